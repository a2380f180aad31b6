package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// Real: the gateway's run (embedded broker, alerts, SQLite store and its
// inventory, incident grouping, API). Simulated: the edge, a paho client
// publishing fire anomalies as the detectors would, and the district's
// cameras registered through the API with their locations. Two cameras
// 200 m apart seeing the fire make one incident with two members; a third
// 5 km away its own: the locations come from the inventory, not from the
// anomalies. The wall holds one tile per incident.
func TestFireSeenByTwoCamerasIsOneIncident(t *testing.T) {
	httpURL, mqttURL, log := startGateway(t, consoleUsers(t))
	root := loginAs(t, httpURL, "root")
	for _, c := range []struct {
		id  string
		lat float64
	}{{"fire-a", 30}, {"fire-b", 30 + 200.0/111195}, {"fire-far", 30 + 5000.0/111195}} {
		cam := map[string]any{"id": c.id, "site": "hillside", "main": "rtsp://10.0.0.9/" + c.id, "location": map[string]float64{"lat": c.lat, "lon": 120}}
		if st := call(t, "POST", httpURL+"/api/cameras", root, cam, nil); st != 201 {
			t.Fatalf("register %s: %d", c.id, st)
		}
	}
	if !log.Await(`"following anomalies"`, 10*time.Second) {
		t.Fatalf("alerts not following anomalies after 10s")
	}
	c := paho.NewClient(paho.NewClientOptions().AddBroker(mqttURL).SetClientID("edge-fire"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	for i, cam := range []string{"fire-a", "fire-b", "fire-far"} {
		a := bus.Anomaly{ID: fmt.Sprintf("fire-%d", i), Seq: 1, Site: "hillside", Camera: cam, Edge: "edge-demo", Kind: bus.KindFire,
			State: bus.StateStart, Severity: "critical", Score: 0.9, FrameTime: bus.Now(), PublishedAt: bus.Now()}
		b, _ := json.Marshal(a)
		if tok := c.Publish(bus.AnomalyTopic("hillside", cam), 1, false, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	var page store.Page[store.Incident]
	eventually(t, 15*time.Second, "the fires grouped", func() (bool, string) {
		page = store.Page[store.Incident]{}
		call(t, "GET", httpURL+"/api/incidents?site=hillside&kind=fire", root, nil, &page)
		n := 0
		for _, inc := range page.Items {
			n += inc.Count
		}
		return n == 3, fmt.Sprintf("%d incidents counting %d anomalies", len(page.Items), n)
	})
	counts := map[string]int{}
	for _, inc := range page.Items {
		for _, cam := range inc.Cameras {
			counts[cam] = inc.Count
		}
	}
	if len(page.Items) != 2 || counts["fire-a"] != 2 || counts["fire-b"] != 2 || counts["fire-far"] != 1 {
		t.Fatalf("incidents %+v: want fire-a and fire-b in one counting 2, fire-far alone", page.Items)
	}
	// One tile per incident: fire-b's fire is no more severe than fire-a's.
	// The wall is put after the incidents are stored: await its two tiles.
	var tiles []string
	eventually(t, 10*time.Second, "two tiles on the wall", func() (bool, string) {
		var wall struct{ Items []store.WallEntry }
		if st := call(t, "GET", httpURL+"/api/wall", root, nil, &wall); st != 200 {
			t.Fatalf("wall: %d", st)
		}
		tiles = nil
		for _, w := range wall.Items {
			tiles = append(tiles, w.Camera)
		}
		return len(tiles) >= 2, fmt.Sprint(tiles)
	})
	if fmt.Sprint(tiles) != "[fire-a fire-far]" {
		t.Fatalf("wall %v, want [fire-a fire-far]", tiles)
	}
}
