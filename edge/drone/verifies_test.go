package drone

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// TestVerifiesDuringTheFlight: a flight sent to look at a camera anomaly
// files the frames of the drone's video taken while it flies under that
// anomaly (VerifiesAt), says so in its telemetry's patrol, and stops at
// its end; a patrol sent for no anomaly files nothing.
func TestVerifiesDuringTheFlight(t *testing.T) {
	r := newRig(t, nil)
	at := r.m.VerifiesAt("drone-1")
	if r.m.VerifiesAt("drone-9") != nil || at(time.Now()) != "" {
		t.Fatal("VerifiesAt: want nil for a drone not held, \"\" before any flight")
	}
	rep := r.send(bus.Command{RequestID: "v1", Action: bus.ActionPatrolLaunch, Drone: "drone-1",
		Patrol: &bus.PatrolOrder{ID: "p1", Route: "verify-fire-1", By: "cmd", Reason: "verify fire-1", Verifies: "fire-1", Points: route(), RTL: true}})
	if !rep.OK {
		t.Fatalf("launch refused: %+v", rep)
	}
	r.console.reached(t, "p1", bus.PatrolWaypoint, 1, 30*time.Second)
	inFlight := time.Now()
	if got := at(inFlight); got != "fire-1" {
		t.Fatalf("in flight the drone's frames verify %q, want fire-1", got)
	}
	r.console.wait(t, 5*time.Second, "telemetry naming fire-1", func() bool {
		n := len(r.console.tel)
		return n > 0 && r.console.tel[n-1].Patrol != nil && r.console.tel[n-1].Patrol.Verifies == "fire-1"
	})
	if evs := r.console.ended(t, "p1", time.Minute); last(evs).State != bus.PatrolCompleted {
		t.Fatalf("progress %q, want completed", states(evs))
	}
	if got, now := at(inFlight), at(time.Now()); got != "fire-1" || now != "" {
		t.Fatalf("after the flight: a frame taken in flight verifies %q (want fire-1), one taken now %q (want nothing)", got, now)
	}
	r.mustLaunch("p2")
	r.console.reached(t, "p2", bus.PatrolWaypoint, 1, 30*time.Second)
	if got := at(time.Now()); got != "" {
		t.Fatalf("a patrol's frames verify %q, want nothing", got)
	}
}
