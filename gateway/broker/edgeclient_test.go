package broker

import (
	"context"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/drivers/peers"
)

// newEdgeClient is an edge's bus client logged in as edgeUser, closed at test end.
func newEdgeClient(t *testing.T, url string) *busclient.Client {
	t.Helper()
	c, err := busclient.New(busclient.Options{Broker: url, Edge: "edge-1", Username: edgeUser.Name, Password: edgeUser.Password,
		Log: peers.TestLog(t), QueueDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// Real: the embedded NATS node and an edge's busclient.Client logged in as an
// edge of riverside flying d1, as a district's edges are (not "*"). What
// the edge reads through its own login arrives: its site's retained rule
// set, on its one-site subscription, and at a restart its drone's retained
// telemetry, the patrol it was flying (RecallTelemetry).
func TestEdgeLoginReadsItsRulesAndDrones(t *testing.T) {
	url := mqttURL(startBroker(t))
	gw := connect(t, url, gatewayUser, "gateway")
	wait(t, "retain rules", gw.Publish(bus.RulesTopic("riverside"), 1, true, "rules v1"))
	awaitRetained(t, url, bus.RulesTopic("riverside"))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first := newEdgeClient(t, url)
	rules := make(chan string, 4)
	first.Subscribe(bus.RulesTopic("riverside"), func(_ string, p []byte) { rules <- string(p) })
	select {
	case got := <-rules:
		if got != "rules v1" {
			t.Fatalf("rule set %q, want the retained one", got)
		}
	case <-ctx.Done():
		t.Fatal("the site's retained rule set did not reach the edge")
	}

	p := &bus.PatrolStatus{ID: "p1", Route: "ridge", State: bus.PatrolWaypoint, Waypoint: 2, Of: 3}
	if err := first.PublishTelemetry(bus.DroneTelemetry{Drone: "d1", Site: "riverside", State: bus.DronePatrol, Patrol: p}); err != nil {
		t.Fatal(err)
	}
	awaitRetained(t, url, bus.DroneTelemetryTopic("d1"))
	first.Close()
	again := newEdgeClient(t, url)
	if err := again.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := again.RecallTelemetry(ctx, []string{"d1"}, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if tel, ok := got["d1"]; !ok || tel.Patrol == nil || *tel.Patrol != *p {
		t.Fatalf("recalled %+v, want d1 flying %+v", got, *p)
	}
	if _, err := again.RecallTelemetry(ctx, []string{"d2"}, 500*time.Millisecond); err == nil {
		t.Error("recalling another edge's drone: no error, want the broker's refusal said")
	}
}
