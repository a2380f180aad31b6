package busclient

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// Real: mosquitto and a one-node NATS with its MQTT listener (the
// gateway's embedded broker speaks as NATS does), and two edge clients in
// turn on the same edge id, as an edge process and its restart. The
// second reads back what the first left retained: drone-1's telemetry with
// the patrol it flew; drone-2, never published, is absent, and the wait
// for it ends after the quiet time.
func TestRecallTelemetry(t *testing.T) {
	for _, broker := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"mosquitto", func(t *testing.T) string { return peers.Mosquitto(t).URL() }},
		{"nats", func(t *testing.T) string {
			return peers.NATSClusterWith(t, 1, peers.NATSOptions{MQTT: true}).MQTTURL(0)
		}},
	} {
		t.Run(broker.name, func(t *testing.T) {
			url := broker.url(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			first := newTestClient(t, url, t.TempDir())
			if err := first.WaitConnected(ctx); err != nil {
				t.Fatal(err)
			}
			p := &bus.PatrolStatus{ID: "p1", Route: "ridge", State: bus.PatrolWaypoint, Waypoint: 2, Of: 3, Verifies: "fire-1"}
			if err := first.PublishTelemetry(bus.DroneTelemetry{Drone: "drone-1", Site: "hillside", State: bus.DronePatrol, Patrol: p}); err != nil {
				t.Fatal(err)
			}
			retained(t, url, bus.AllDroneTelemetry)
			first.Close()

			again := newTestClient(t, url, t.TempDir())
			got, err := again.RecallTelemetry(ctx, []string{"drone-1", "drone-2"}, 500*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			tel, ok := got["drone-1"]
			if len(got) != 1 || !ok || tel.Patrol == nil || *tel.Patrol != *p || tel.Edge != "edge-1" {
				t.Fatalf("recalled %+v: want drone-1 alone, with its patrol %+v", got, *p)
			}
		})
	}
}

// retained returns once a new subscriber to filter is given a retained
// message. NATS acknowledges a retained publish before its retained index
// has it (DESIGN.md), so a subscriber that comes right after the publish
// may get nothing: each try is a new subscriber, for up to 10 s.
func retained(t *testing.T, url, filter string) {
	t.Helper()
	try := 0
	peers.Await(t, 10*time.Second, "a retained message on "+filter, func() bool {
		sub := newSubscriber(t, url, fmt.Sprintf("console-%d", try), filter, false)
		try++
		select {
		case <-sub.changed:
			return true
		case <-time.After(time.Second):
		}
		sub.pc.Disconnect(0)
		return false
	})
}
