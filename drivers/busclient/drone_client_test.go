package busclient

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// Real: mosquitto, the edge client and a subscriber. Patrol progress
// published while the broker is down waits on disk and arrives, complete
// and in order, with seqs, once the broker is back; telemetry published
// meanwhile is kept latest only and is retained for a late subscriber.
func TestPatrolProgressQueuedAndTelemetryRetained(t *testing.T) {
	broker := peers.Mosquitto(t, peers.MosquittoPersistent())
	sub := newSubscriber(t, broker.URL(), "console", bus.AllDronePatrols, true)
	broker.Stop()
	c := newTestClient(t, broker.URL(), t.TempDir())
	states := []string{bus.PatrolAccepted, bus.PatrolUploading, bus.PatrolStarted, bus.PatrolWaypoint, bus.PatrolReturning, bus.PatrolLanded, bus.PatrolCompleted}
	for _, st := range states {
		if err := c.PublishPatrol(bus.PatrolProgress{ID: "p1", Drone: "drone-1", Site: "hillside", Route: "r", State: st}); err != nil {
			t.Fatal(err)
		}
	}
	for pct := 90; pct >= 80; pct-- {
		if err := c.PublishTelemetry(bus.DroneTelemetry{Drone: "drone-1", Site: "hillside", Battery: bus.DroneBattery{Percent: pct}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PublishPatrol(bus.PatrolProgress{ID: "p1", Drone: "Bad/Drone", State: bus.PatrolFailed}); err == nil {
		t.Fatal("a drone id with a separator was queued")
	}
	broker.Start()
	msgs := sub.waitUntil(t, 30*time.Second, "7 patrol events", func(m []message) bool { return len(m) >= len(states) })
	var last uint64
	for i, m := range msgs[:len(states)] {
		var p bus.PatrolProgress
		if err := json.Unmarshal(m.payload, &p); err != nil {
			t.Fatal(err)
		}
		if p.State != states[i] || p.Edge != "edge-1" || p.Seq <= last || m.topic != bus.DronePatrolsTopic("drone-1") {
			t.Fatalf("event %d: %+v on %s, want %s from edge-1 with a growing seq", i, p, m.topic, states[i])
		}
		last = p.Seq
	}

	late := newSubscriber(t, broker.URL(), "late-console", bus.AllDroneTelemetry, false)
	got := late.waitUntil(t, 10*time.Second, "retained telemetry", func(m []message) bool { return len(m) >= 1 })
	var tel bus.DroneTelemetry
	if err := json.Unmarshal(got[0].payload, &tel); err != nil {
		t.Fatal(err)
	}
	if tel.Battery.Percent != 80 || tel.Edge != "edge-1" {
		t.Fatalf("retained telemetry %+v, want the latest (80 %%) from edge-1", tel)
	}
}
