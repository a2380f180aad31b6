package relay

import (
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
)

// counter counts the RTP packets a viewer receives.
type counter struct{ n atomic.Int64 }

func (c *counter) onRTP(*rtp.Packet) { c.n.Add(1) }

// grows waits until the count rises by more than 10 packets within d.
func (c *counter) grows(t *testing.T, what string, d time.Duration) {
	t.Helper()
	start := c.n.Load()
	if !peers.Eventually(d, func() bool { return c.n.Load() > start+10 }) { // pion delivers on its own goroutine: poll the count
		t.Fatalf("%s: %d packets in %s, want a flow", what, c.n.Load()-start, d)
	}
}

// TestRelaysKeyedByGateway: two gateway replicas (two SFUs in this
// process, as the gateway runs them) each ask the same edge for the same
// camera with their own id and URL; the edge holds one uplink to each, a
// viewer on each replica gets the camera's packets at the same time, and
// relay_stop from replica A ends A's uplink only: B's viewer keeps
// receiving. Replica B is trusted through relay.gateways by the host
// name localhost, which the real resolver turns into B's 127.0.0.1.
// Simulated: the camera is a simulator scene fed into the edge's hub as a
// pull would; the commands are handed to the Manager as the bus would.
func TestRelaysKeyedByGateway(t *testing.T) {
	sc := testScene(t, sim.H264)
	srvA, baseA := startSFU(t)
	srvB, baseB := startSFU(t)
	uB, _ := url.Parse(baseB)
	h := hub.New(hub.Options{})
	feed(t, h, "cam", sc, false)
	o := testOptions(t, baseA, h)
	o.Gateways = []string{"http://localhost:" + uB.Port()}
	m := NewManager(o)
	defer m.Close()

	start := func(id, gateway, whip string) {
		t.Helper()
		rep := m.HandleCommand(bus.Command{RequestID: id, Action: bus.ActionRelayStart, Camera: "cam", Gateway: gateway, WHIPURL: whip})
		if !rep.OK {
			t.Fatalf("relay_start from %s: %s", gateway, rep.Error)
		}
	}
	start("1", "gw-a", baseA)
	start("2", "gw-b", baseB)
	start("3", "gw-b", baseB) // again: nothing new
	if got := m.Relays(); len(got) != 2 || got[0].Gateway != "gw-a" || got[1].Gateway != "gw-b" ||
		got[0].URL != baseA || got[1].URL != baseB {
		t.Fatalf("Relays() = %+v, want cam to gw-a at %s and to gw-b at %s", got, baseA, baseB)
	}
	if got := m.Active(); len(got) != 1 || got[0] != "cam" {
		t.Fatalf("Active() = %v, want [cam] once", got)
	}
	for name, srv := range map[string]interface{ Sessions() (int, int) }{"A": srvA, "B": srvB} {
		if up, _ := srv.Sessions(); up != 1 {
			t.Fatalf("replica %s has %d uplinks, want 1", name, up)
		}
	}

	var onA, onB counter
	watchFunc(t, baseA, "cam", onA.onRTP)
	watchFunc(t, baseB, "cam", onB.onRTP)
	onA.grows(t, "viewer on replica A", 10*time.Second)
	onB.grows(t, "viewer on replica B", 10*time.Second)
	// Both at once: within one window, each count rises.
	a0, b0 := onA.n.Load(), onB.n.Load()
	onA.grows(t, "viewer on replica A, with B watching", 5*time.Second)
	onB.grows(t, "viewer on replica B, with A watching", 5*time.Second)
	t.Logf("one window: %d packets on replica A, %d on replica B", onA.n.Load()-a0, onB.n.Load()-b0)

	// relay_stop from A: A's uplink goes, B's stays and flows.
	if rep := m.HandleCommand(bus.Command{RequestID: "4", Action: bus.ActionRelayStop, Camera: "cam", Gateway: "gw-a"}); !rep.OK {
		t.Fatalf("relay_stop from gw-a: %s", rep.Error)
	}
	if up, _ := srvA.Sessions(); up != 0 {
		t.Fatalf("replica A has %d uplinks after its relay_stop", up)
	}
	if up, _ := srvB.Sessions(); up != 1 {
		t.Fatalf("replica B has %d uplinks after A's relay_stop, want 1", up)
	}
	if got := m.Relays(); len(got) != 1 || got[0].Gateway != "gw-b" {
		t.Fatalf("Relays() after A's stop = %+v", got)
	}
	onB.grows(t, "viewer on replica B after A's relay_stop", 5*time.Second)

	// A relay_stop without a replica id is the single gateway's: it ends nothing of B's.
	m.HandleCommand(bus.Command{RequestID: "5", Action: bus.ActionRelayStop, Camera: "cam"})
	if up, _ := srvB.Sessions(); up != 1 {
		t.Fatalf("replica B has %d uplinks after an unnamed relay_stop", up)
	}
	// The metric counts per replica.
	if n := relaysMetric(t, m); n["gw-b"] != 1 || len(n) != 1 {
		t.Fatalf("argus_edge_relays = %v, want gw-b 1", n)
	}
}

// TestRelayMovesWithItsReplica: a replica that comes back at another URL
// (a rescheduled pod) under the same id gets its relay there; the old
// uplink is closed.
func TestRelayMovesWithItsReplica(t *testing.T) {
	sc := testScene(t, sim.H264)
	srvA, baseA := startSFU(t)
	srvA2, baseA2 := startSFU(t)
	h := hub.New(hub.Options{})
	feed(t, h, "cam", sc, false)
	o := testOptions(t, baseA, h)
	o.Gateways = []string{baseA2}
	m := NewManager(o)
	defer m.Close()
	for _, base := range []string{baseA, baseA2} {
		if rep := m.HandleCommand(bus.Command{RequestID: base, Action: bus.ActionRelayStart, Camera: "cam", Gateway: "gw-a", WHIPURL: base}); !rep.OK {
			t.Fatalf("relay_start to %s: %s", base, rep.Error)
		}
	}
	if up, _ := srvA.Sessions(); up != 0 {
		t.Fatalf("the old URL keeps %d uplinks", up)
	}
	if up, _ := srvA2.Sessions(); up != 1 {
		t.Fatalf("the new URL has %d uplinks", up)
	}
	if got := m.Relays(); len(got) != 1 || got[0].URL != baseA2 {
		t.Fatalf("Relays() = %+v", got)
	}
}

// relaysMetric reads argus_edge_relays per gateway label.
func relaysMetric(t *testing.T, m *Manager) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "argus_edge_relays" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			gw := ""
			for _, l := range mt.GetLabel() {
				if l.GetName() == "gateway" {
					gw = l.GetValue()
				}
			}
			out[strings.TrimSpace(gw)] = mt.GetGauge().GetValue()
		}
	}
	return out
}
