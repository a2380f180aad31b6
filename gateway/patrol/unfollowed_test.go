package patrol

import (
	"context"
	"strings"
	"testing"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
)

// A patrol under way whose edge restarted without reading it back (its
// telemetry says the drone stands idle and names no patrol) is not left
// under way for good: it ends failed, saying why, and the drone takes a
// launch again. Telemetry that names the patrol, or a drone still
// flying, leaves it alone.
func TestPatrolNoLongerFollowed(t *testing.T) {
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", false)})
	r.put(idle("hill-1", "hillside"))
	out, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge")
	if err != nil {
		t.Fatal(err)
	}
	r.command()
	r.edge.Progress(bus.PatrolProgress{ID: out.Patrol, Drone: "hill-1", Site: "hillside", Route: "ridge", State: bus.PatrolWaypoint, Waypoint: 2, Of: 3})
	r.waitFor(func() bool { v, _ := r.svc.Drone("hill-1"); return v.Patrol != nil && v.Patrol.Waypoint == 2 }, "waypoint 2")

	flying := idle("hill-1", "hillside")
	flying.State, flying.Armed, flying.Mode = bus.DroneFlying, true, "AUTO"
	r.put(flying)
	named := idle("hill-1", "hillside")
	named.Patrol = &bus.PatrolStatus{ID: out.Patrol, Route: "ridge", State: bus.PatrolLanded, Waypoint: 3, Of: 3}
	r.put(named)
	if v, _ := r.svc.Drone("hill-1"); v.Patrol == nil || bus.PatrolEnded(v.Patrol.State) {
		t.Fatalf("patrol %+v after telemetry flying, then naming it: want it still under way", v.Patrol)
	}

	r.put(idle("hill-1", "hillside")) // the restarted edge: idle, no patrol
	e := r.event(EventPatrol)
	for e.Progress.State != bus.PatrolFailed {
		e = r.event(EventPatrol)
	}
	if p := e.Progress; p.ID != out.Patrol || !strings.Contains(p.Reason, "edge-a no longer follows this patrol") {
		t.Fatalf("progress %+v: want %s failed, its edge no longer following it", p, out.Patrol)
	}
	if v, _ := r.svc.Drone("hill-1"); v.Patrol == nil || v.Patrol.State != bus.PatrolFailed {
		t.Fatalf("view's patrol %+v, want failed", v.Patrol)
	}
	if _, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge"); err != nil {
		t.Fatalf("a launch once the patrol ended: %v", err)
	}
}
