package directory

import (
	"slices"
	"testing"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker/brokertest"
)

// Real: the embedded broker and paho clients. Simulated: an edge's online
// status and its will (offline, naming no camera: a will is fixed before
// the edge knows its cameras). The offline edge keeps the cameras it
// served, so the console shows a site's operator that it went away; a
// directory started after the will (a gateway restart) finds them in the
// retained camera statuses that name the edge.
func TestOfflineEdgeKeepsItsCameras(t *testing.T) {
	url := brokertest.Start(t)
	e := peers.MQTTClient(t, url, "edge-a")
	publish(t, e, bus.CameraStatusTopic("riverside", "river-1"), true,
		bus.CameraStatus{Site: "riverside", Camera: "river-1", Edge: "edge-a", State: bus.Online})
	publish(t, e, bus.CameraStatusTopic("hillside", "hill-1"), true,
		bus.CameraStatus{Site: "hillside", Camera: "hill-1", Edge: "edge-b", State: bus.Online})
	d := startDirectory(t, url)
	publish(t, e, bus.EdgeStatusTopic("edge-a"), true,
		bus.EdgeStatus{Edge: "edge-a", State: bus.Online, Cameras: []string{"river-1", "river-2"}, Time: bus.Now()})
	eventually(t, "edge-a online", func() bool { return edgeState(d, "edge-a") == bus.Online })

	publish(t, e, bus.EdgeStatusTopic("edge-a"), true, bus.EdgeStatus{Edge: "edge-a", State: bus.Offline, Cameras: []string{}, Time: bus.Now()})
	eventually(t, "edge-a offline", func() bool { return edgeState(d, "edge-a") == bus.Offline })
	if got := edgeCameras(d, "edge-a"); !slices.Equal(got, []string{"river-1", "river-2"}) {
		t.Errorf("offline edge-a cameras %v, want those of its last online status", got)
	}

	restarted := New(Options{Broker: url, ClientID: "dir-restarted", Log: peers.TestLog(t)})
	runDirectory(t, restarted)
	eventually(t, "edge-a offline after a restart", func() bool { return edgeState(restarted, "edge-a") == bus.Offline })
	eventually(t, "river-1's status", func() bool { _, _, ok := restarted.Lookup("river-1"); return ok })
	if got := edgeCameras(restarted, "edge-a"); !slices.Equal(got, []string{"river-1"}) {
		t.Errorf("offline edge-a after a restart: cameras %v, want [river-1] (the retained status naming it)", got)
	}
}

func edgeState(d *Directory, edge string) string {
	for _, es := range d.Edges() {
		if es.Edge == edge {
			return es.State
		}
	}
	return ""
}

func edgeCameras(d *Directory, edge string) []string {
	for _, es := range d.Edges() {
		if es.Edge == edge {
			return es.Cameras
		}
	}
	return nil
}
