package drone

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
)

// slowSim flies at a quarter of the rig's usual speed-up (the route takes
// some 15 s) and keeps on its mission 30 s without a ground station, as
// an autopilot set to finish its mission on a lost GCS does: the edge's
// restart happens mid-route.
func slowSim(o *simOptions) { o.Speedup, o.GCSTimeout = 5, 30*time.Second }

// TestRestartMidRoute: the edge (Manager and bus client) stops while its
// drone flies the second leg and starts again. The new edge reads the
// patrol back from the retained telemetry and the vehicle (armed, AUTO,
// MISSION_CURRENT, the mission read back), refuses a second launch while
// the drone flies, still files the drone's frames under the camera
// anomaly the flight verifies, and reports the rest of the progress in
// order to completed; the drone is home and landed. The edge's link to
// the router is TCP, which the router forgets when it closes (see
// newRigOver).
func TestRestartMidRoute(t *testing.T) {
	r := newRigOver(t, "tcp", nil, simSpec{id: "drone-1", sys: 1, opts: slowSim})
	if rep := r.send(bus.Command{RequestID: "v1", Action: bus.ActionPatrolLaunch, Drone: "drone-1",
		Patrol: &bus.PatrolOrder{ID: "p1", Route: "test-route", By: "cmd", Reason: "verify fire-1", Verifies: "fire-1", Points: route(), RTL: true}}); !rep.OK {
		t.Fatalf("launch refused: %+v", rep)
	}
	r.console.reached(t, "p1", bus.PatrolWaypoint, 2, time.Minute)
	r.stopEdge()
	before := r.console.events("p1")
	if e := last(before); bus.PatrolEnded(e.State) {
		t.Fatalf("the stopping edge ended the patrol the autopilot flies on: %q (%s)", states(before), e.Reason)
	}
	r.startEdge()
	if f := r.m.units["drone-1"].busy(); f == nil || f.order.ID != "p1" {
		t.Fatalf("after the restart drone-1 follows %+v, want patrol p1", f)
	}
	if got := r.m.VerifiesAt("drone-1")(time.Now()); got != "fire-1" {
		t.Fatalf("after the restart the drone's frames verify %q, want fire-1 still", got)
	}
	if rep := r.launch("drone-1", "p2", route()); rep.OK || rep.Error != "drone drone-1 is flying patrol p1" {
		t.Fatalf("a second launch after the restart: %+v, want refused: drone drone-1 is flying patrol p1", rep)
	}
	evs := r.console.ended(t, "p1", time.Minute)
	got := states(evs)
	after := got[len(before):]
	if !slices.Equal(after[len(after)-3:], []string{"returning", "landed", "completed"}) || slices.Contains(after, "accepted") {
		t.Fatalf("progress %q (after the restart %q): want it to go on to returning, landed, completed", got, after)
	}
	wp := 0
	for _, e := range evs {
		if e.State == bus.PatrolWaypoint {
			if e.Waypoint < wp || e.Of != 3 {
				t.Fatalf("progress %q: waypoint %d/%d after %d: want them in order, of 3", got, e.Waypoint, e.Of, wp)
			}
			wp = e.Waypoint
		}
	}
	if !slices.Contains(got, "waypoint 3/3") {
		t.Fatalf("progress %q: the last waypoint, reached after the restart, was not reported", got)
	}
	st := r.sims["drone-1"].Status()
	if !st.Landed() || dist(st.Lat, st.Lon, home.Lat, home.Lon) > 2 {
		t.Fatalf("drone at %.6f,%.6f alt %.1f armed %v: want landed at home", st.Lat, st.Lon, st.Alt, st.Armed)
	}
	if evs := r.console.events("p2"); len(evs) != 0 {
		t.Fatalf("the refused second launch has progress %q, want none", states(evs))
	}
	r.console.wait(t, 5*time.Second, "idle telemetry with p1 completed", func() bool {
		n := len(r.console.tel)
		return n > 0 && r.console.tel[n-1].State == bus.DroneIdle && r.console.tel[n-1].Patrol != nil &&
			r.console.tel[n-1].Patrol.ID == "p1" && r.console.tel[n-1].Patrol.State == bus.PatrolCompleted
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(r.m)
	if n := gathered(t, reg, "argus_drone_patrols_resumed_total"); n != 1 {
		t.Fatalf("argus_drone_patrols_resumed_total = %g, want 1", n)
	}
	if rep := r.launch("drone-1", "p3", route()); !rep.OK {
		t.Fatalf("a launch once p1 completed: %+v, want accepted", rep)
	}
}

// TestRestartLandedMeanwhile: the edge stops mid-route and stays away
// until the drone has come home and landed by itself; on its start the
// edge reads the patrol back, finds the drone on the ground and ends the
// patrol (landed, then how it ended as far as it can tell), so the
// gateway's view of it is not left under way.
func TestRestartLandedMeanwhile(t *testing.T) {
	r := newRigOver(t, "tcp", nil, simSpec{id: "drone-1", sys: 1, opts: func(o *simOptions) { o.GCSTimeout = 30 * time.Second }})
	r.mustLaunch("p1")
	r.console.reached(t, "p1", bus.PatrolWaypoint, 1, time.Minute)
	r.stopEdge()
	r.await(time.Minute, "the drone landed at home on its own", func() bool {
		st := r.sims["drone-1"].Status()
		return st.Landed() && dist(st.Lat, st.Lon, home.Lat, home.Lon) < 2
	})
	r.startEdge()
	evs := r.console.ended(t, "p1", 30*time.Second)
	e := last(evs)
	if got := states(evs); got[len(got)-2] != bus.PatrolLanded || e.State != bus.PatrolCompleted || !strings.Contains(e.Reason, "while the edge restarted") {
		t.Fatalf("progress %q (%s): want landed then completed, said to have happened while the edge restarted", got, e.Reason)
	}
	if rep := r.launch("drone-1", "p2", route()); !rep.OK {
		t.Fatalf("a launch after the patrol was ended: %+v, want accepted", rep)
	}
}
