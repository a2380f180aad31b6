package drone

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// TestFullPatrol: a launch is accepted at once; progress comes in order
// (accepted, uploading, started, each waypoint once, returning, landed,
// completed); the vehicle holds the site's fence and the patrol's mission;
// the drone ends home and disarmed; its telemetry moved during the flight
// and the last one is retained for a console that connects afterwards.
func TestFullPatrol(t *testing.T) {
	r := newRig(t, nil)
	rep := r.launch("drone-1", "p1", route())
	if !rep.OK || rep.Drone != "drone-1" || rep.Action != bus.ActionPatrolLaunch {
		t.Fatalf("reply %+v, want ok for drone-1", rep)
	}
	evs := r.console.ended(t, "p1", time.Minute)
	want := []string{"accepted", "uploading", "started", "waypoint 1/3", "waypoint 2/3", "waypoint 3/3", "returning", "landed", "completed"}
	if got := states(evs); !slices.Equal(got, want) {
		t.Fatalf("progress %q, want %q", got, want)
	}
	for _, e := range evs {
		if e.Drone != "drone-1" || e.Site != site.ID || e.Edge != edgeID || e.Route != "test-route" || e.Seq == 0 {
			t.Fatalf("event %+v: wrong drone, site, edge, route or no seq", e)
		}
	}
	st := r.sims["drone-1"].Status()
	if !st.Landed() || dist(st.Lat, st.Lon, home.Lat, home.Lon) > 2 {
		t.Fatalf("drone at %.6f,%.6f alt %.1f armed %v: want landed at home", st.Lat, st.Lon, st.Alt, st.Armed)
	}
	if err := mavlink.Compare(mavlink.PatrolItems(home, route(), true), st.Mission); err != nil {
		t.Fatalf("the vehicle's mission is not the patrol's: %v", err)
	}
	if len(st.Fence) != len(site.Geofence)+len(site.NoFly[0].Polygon) {
		t.Fatalf("the vehicle's fence has %d items, want the geofence's and the no-fly zone's vertices", len(st.Fence))
	}

	// Telemetry: the drone moved, was seen patrolling, and the last
	// sample, landed and idle, is retained.
	r.console.wait(t, 5*time.Second, "idle telemetry after the patrol", func() bool {
		n := len(r.console.tel)
		return n > 0 && r.console.tel[n-1].State == bus.DroneIdle && r.console.tel[n-1].Patrol != nil &&
			r.console.tel[n-1].Patrol.State == bus.PatrolCompleted
	})
	r.console.mu.Lock()
	positions, patrolling := map[[2]float64]bool{}, false
	for _, tel := range r.console.tel {
		if tel.Position != nil {
			positions[[2]float64{tel.Position.Lat, tel.Position.Lon}] = true
		}
		patrolling = patrolling || tel.State == bus.DronePatrol
	}
	r.console.mu.Unlock()
	if len(positions) < 5 || !patrolling {
		t.Fatalf("telemetry showed %d positions and patrolling %v: want the drone seen moving on patrol", len(positions), patrolling)
	}
	late := newConsole(t, r.broker.URL(), "late-console")
	late.wait(t, 5*time.Second, "retained telemetry", func() bool { return len(late.tel) > 0 })
	if tel := late.tel[0]; tel.Drone != "drone-1" || tel.Link != bus.LinkUp || tel.Position == nil || tel.Battery.Percent <= 0 {
		t.Fatalf("retained telemetry %+v: want drone-1, link up, a position and a battery", tel)
	}
	if tel := late.tel[0]; tel.MaxSpeed != 12 || tel.Endurance != 20*60 {
		t.Fatalf("retained telemetry has max_speed %g and endurance_s %g: want the config's 12 m/s and 1200 s", tel.MaxSpeed, tel.Endurance)
	}
	if o := r.m.Outcomes(); o[bus.PatrolCompleted] != 1 {
		t.Fatalf("outcomes %v, want one completed", o)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(r.m)
	for _, c := range []struct {
		name string
		want float64
	}{
		{`argus_drone_patrols_total{outcome="completed"}`, 1},
		{`argus_drones{link="up"}`, 1},
	} {
		if got := gathered(t, reg, c.name); got != c.want {
			t.Errorf("%s = %g, want %g", c.name, got, c.want)
		}
	}
	if n := gathered(t, reg, "argus_mavlink_frames_total"); n == 0 {
		t.Error("argus_mavlink_frames_total is 0 after a flight")
	}
}

// gathered is the value of one series, named as the exposition writes it.
func gathered(t *testing.T, reg *prometheus.Registry, series string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			if name != series {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no series %s", series)
	return 0
}

// TestAbortMidRoute: an abort after the second waypoint sends the drone
// home at once: returning, landed, aborted; the drone is home, landed.
func TestAbortMidRoute(t *testing.T) {
	r := newRig(t, nil)
	evs := r.abortAt(bus.PatrolWaypoint, 2)
	got := states(evs)
	tail := got[len(got)-3:]
	if !slices.Equal(tail, []string{"returning", "landed", "aborted"}) || slices.Contains(got, "waypoint 3/3") {
		t.Fatalf("progress %q: want it to end returning, landed, aborted, before waypoint 3", got)
	}
	st := r.sims["drone-1"].Status()
	if !st.Landed() || dist(st.Lat, st.Lon, home.Lat, home.Lon) > 2 {
		t.Fatalf("drone at %.6f,%.6f alt %.1f: want landed at home", st.Lat, st.Lon, st.Alt)
	}
	if rep := r.abort("drone-1"); rep.OK || !strings.Contains(rep.Error, "no patrol") {
		t.Fatalf("abort of a landed drone with no patrol: %+v, want refused", rep)
	}
}

// TestAbortDuringUpload: an abort while the mission is being uploaded
// (the vehicle drops items, so the upload is slow) stops the upload; the
// drone never arms, and no half mission stays on it.
func TestAbortDuringUpload(t *testing.T) {
	r := newRig(t, nil, simSpec{id: "drone-1", sys: 1, opts: func(o *simOptions) { o.DropItems = 2 }})
	evs := r.abortAt(bus.PatrolUploading, 0)
	if e := last(evs); e.State != bus.PatrolAborted || slices.Contains(states(evs), bus.PatrolStarted) {
		t.Fatalf("progress %q (%s), want aborted before any start", states(evs), e.Reason)
	}
	st := r.sims["drone-1"].Status()
	if st.Armed || len(st.Mission) > 1 {
		t.Fatalf("after the abort the drone is armed %v with %d mission items: want disarmed, no mission", st.Armed, len(st.Mission))
	}
}

// TestRefusedAtTheEdge: a route whose two waypoints are legal but whose
// leg crosses the no-fly zone is refused by the edge's own pre-flight,
// whatever the gateway checked; nothing is uploaded.
func TestRefusedAtTheEdge(t *testing.T) {
	r := newRig(t, nil)
	pts := []bus.PatrolPoint{
		{Lat: 22.5025, Lon: 114.0000, Alt: 30, Speed: 10}, // west of the tank farm
		{Lat: 22.5025, Lon: 114.0030, Alt: 30, Speed: 10}, // east of it: the leg crosses it
	}
	if rep := r.launch("drone-1", "p1", pts); !rep.OK {
		t.Fatalf("launch not accepted: %+v", rep)
	}
	evs := r.console.ended(t, "p1", 10*time.Second)
	e := last(evs)
	if !slices.Equal(states(evs), []string{"accepted", "refused"}) || !strings.Contains(e.Reason, "tank farm") {
		t.Fatalf("progress %q, reason %q: want accepted then refused naming the tank farm", states(evs), e.Reason)
	}
	if st := r.sims["drone-1"].Status(); len(st.Mission) != 0 || len(st.Fence) != 0 || st.Armed {
		t.Fatalf("a refused patrol reached the vehicle: %d mission and %d fence items, armed %v", len(st.Mission), len(st.Fence), st.Armed)
	}
}

// TestLostLinkDuringUpload: the link goes as the launch arrives; the
// upload finds no answer within the protocol's retries and the patrol
// ends failed with the reason, without hanging; the drone never armed.
func TestLostLinkDuringUpload(t *testing.T) {
	r := newRig(t, nil)
	r.sims["drone-1"].LoseLink(time.Minute)
	began := time.Now()
	r.mustLaunch("p1")
	evs := r.console.ended(t, "p1", 40*time.Second)
	e := last(evs)
	if e.State != bus.PatrolFailed || !strings.HasPrefix(e.Reason, "link lost during the upload: ") || !strings.Contains(e.Reason, "no answer") {
		t.Fatalf("progress %q, reason %q: want failed, the upload finding no answer", states(evs), e.Reason)
	}
	t.Logf("failed after %s: %s", time.Since(began).Round(time.Millisecond), e.Reason)
	if r.sims["drone-1"].Status().Armed {
		t.Fatal("the drone armed")
	}
}

// TestDroppedItems: the vehicle loses every third mission message; the
// protocol's retries carry the upload through and the patrol completes.
func TestDroppedItems(t *testing.T) {
	r := newRig(t, nil, simSpec{id: "drone-1", sys: 1, opts: func(o *simOptions) { o.DropItems = 3 }})
	r.mustLaunch("p1")
	evs := r.console.ended(t, "p1", time.Minute)
	if e := last(evs); e.State != bus.PatrolCompleted {
		t.Fatalf("progress %q, reason %q: want completed despite the dropped items", states(evs), e.Reason)
	}
}

// TestRefusedMission: the vehicle answers the upload with MISSION_ACK
// DENIED; the patrol fails with the vehicle's reason.
func TestRefusedMission(t *testing.T) {
	r := newRig(t, nil, simSpec{id: "drone-1", sys: 1, opts: func(o *simOptions) { o.Refuse = refuseDenied }})
	r.mustLaunch("p1")
	evs := r.console.ended(t, "p1", 30*time.Second)
	e := last(evs)
	if e.State != bus.PatrolFailed || !strings.Contains(e.Reason, "refused by the vehicle") || !strings.Contains(e.Reason, "DENIED") {
		t.Fatalf("progress %q, reason %q: want failed with the vehicle's refusal", states(evs), e.Reason)
	}
}

// TestLowBattery: the battery drains fast; the autopilot's failsafe
// turns the drone home mid-route (its STATUSTEXT says so); the patrol
// goes returning, landed, and fails with the failsafe's words.
func TestLowBattery(t *testing.T) {
	r := newRig(t, nil, simSpec{id: "drone-1", sys: 1, opts: func(o *simOptions) {
		o.Battery, o.DrainPerMinute, o.FailsafeBattery = 40, 60, 20
	}})
	r.mustLaunch("p1")
	evs := r.console.ended(t, "p1", time.Minute)
	got, e := states(evs), last(evs)
	if e.State != bus.PatrolFailed || !strings.HasPrefix(e.Reason, "battery failsafe: ") ||
		!slices.Contains(got, "returning") || !slices.Contains(got, "landed") || slices.Contains(got, "waypoint 3/3") {
		t.Fatalf("progress %q, reason %q: want returning and landed before the route's end, then failed by the battery failsafe", got, e.Reason)
	}
	if st := r.sims["drone-1"].Status(); !st.Landed() || st.Failsafe == "" {
		t.Fatalf("drone %+v: want landed by its failsafe", st)
	}
}

// TestSecondLaunchRefused: while a patrol flies, a second launch for the
// same drone is refused at once by reply (never on the patrols topic, where
// it would show over the patrol flying), and the first patrol goes on to
// complete.
func TestSecondLaunchRefused(t *testing.T) {
	r := newRig(t, nil)
	r.mustLaunch("p1")
	r.console.reached(t, "p1", bus.PatrolStarted, 0, 30*time.Second)
	rep := r.launch("drone-1", "p2", route())
	if rep.OK || rep.Error != "drone drone-1 is flying patrol p1" {
		t.Fatalf("second launch: %+v, want refused: drone drone-1 is flying patrol p1", rep)
	}
	if evs := r.console.ended(t, "p1", time.Minute); last(evs).State != bus.PatrolCompleted {
		t.Fatalf("first patrol %q, want completed", states(evs))
	}
	if evs := r.console.events("p2"); len(evs) != 0 {
		t.Fatalf("the refused second launch has progress %q, want none", states(evs))
	}
}

// TestUnknownDroneRefused: a launch for a drone this edge does not hold
// is refused by reply, naming the edge.
func TestUnknownDroneRefused(t *testing.T) {
	r := newRig(t, nil)
	if rep := r.launch("drone-9", "p1", route()); rep.OK || !strings.Contains(rep.Error, "not held by edge "+edgeID) {
		t.Fatalf("reply %+v, want refused: not held by this edge", rep)
	}
}

// dist is the distance in metres between two nearby points.
func dist(lat1, lon1, lat2, lon2 float64) float64 {
	const m = 111320.0
	return math.Hypot((lat2-lat1)*m, (lon2-lon1)*m*math.Cos(lat1*math.Pi/180))
}

// refuseDenied is the MISSION_ACK result of a vehicle that takes no
// mission now.
const refuseDenied = common.MAV_MISSION_DENIED

// TestLinkLostInFlight: the link goes for good after the first waypoint.
// The vehicle's own failsafe (no ground station) brings it home; the edge
// publishes the drone link_lost and offline at once, and ends the patrol
// failed once the link has been gone for LinkLostLimit, saying so.
func TestLinkLostInFlight(t *testing.T) {
	r := newRig(t, nil, simSpec{id: "drone-1", sys: 1, opts: func(o *simOptions) { o.GCSTimeout = time.Second }})
	r.mustLaunch("p1")
	r.console.reached(t, "p1", bus.PatrolWaypoint, 1, 30*time.Second)
	r.sims["drone-1"].LoseLink(time.Hour)
	r.console.wait(t, 5*time.Second, "telemetry link_lost, offline", func() bool {
		n := len(r.console.tel)
		return n > 0 && r.console.tel[n-1].Link == bus.LinkLost && r.console.tel[n-1].State == bus.DroneOffline
	})
	evs := r.console.ended(t, "p1", 30*time.Second)
	if e := last(evs); e.State != bus.PatrolFailed || !strings.Contains(e.Reason, "link lost for 5s") {
		t.Fatalf("progress %q, reason %q: want failed, the link lost for 5s", states(evs), e.Reason)
	}
	r.await(30*time.Second, "the vehicle home by its own failsafe", func() bool {
		st := r.sims["drone-1"].Status()
		return st.Landed() && dist(st.Lat, st.Lon, home.Lat, home.Lon) < 2
	})
}

// TestRefusedWithoutGPS: a drone without a GPS fix is refused by the
// edge's pre-flight, with the reason, before anything is uploaded.
func TestRefusedWithoutGPS(t *testing.T) {
	r := newRig(t, nil, simSpec{id: "drone-1", sys: 1, noFix: true, opts: func(o *simOptions) { o.NoGPS = true }})
	r.mustLaunch("p1")
	evs := r.console.ended(t, "p1", 10*time.Second)
	if e := last(evs); e.State != bus.PatrolRefused || !strings.Contains(strings.ToLower(e.Reason), "gps") {
		t.Fatalf("progress %q, reason %q: want refused for want of a GPS fix", states(evs), e.Reason)
	}
	if st := r.sims["drone-1"].Status(); len(st.Mission) != 0 {
		t.Fatalf("%d mission items uploaded to a drone refused", len(st.Mission))
	}
}

// TestLaunchDeliveredTwice: MQTT delivers a command at least once. The
// same launch again while it flies is answered ok and changes nothing;
// after it ended, it is refused by reply without flying again, and no
// event of that patrol follows.
func TestLaunchDeliveredTwice(t *testing.T) {
	r := newRig(t, nil)
	r.mustLaunch("p1")
	r.console.reached(t, "p1", bus.PatrolStarted, 0, 30*time.Second)
	if rep := r.send(bus.Command{RequestID: "again-1", Action: bus.ActionPatrolLaunch, Drone: "drone-1",
		Patrol: &bus.PatrolOrder{ID: "p1", Route: "test-route", Points: route(), RTL: true}}); !rep.OK {
		t.Fatalf("the same launch again while it flies: %+v, want ok", rep)
	}
	evs := r.console.ended(t, "p1", time.Minute)
	if last(evs).State != bus.PatrolCompleted || slices.Contains(states(evs)[1:], bus.PatrolAccepted) || slices.Contains(states(evs), bus.PatrolRefused) {
		t.Fatalf("progress %q: want one flight, completed", states(evs))
	}
	rep := r.send(bus.Command{RequestID: "again-2", Action: bus.ActionPatrolLaunch, Drone: "drone-1",
		Patrol: &bus.PatrolOrder{ID: "p1", Route: "test-route", Points: route(), RTL: true}})
	if rep.OK || !strings.Contains(rep.Error, "launched already (completed)") {
		t.Fatalf("the launch again after it ended: %+v, want refused", rep)
	}
	if n := len(r.console.events("p1")); n != len(evs) {
		t.Fatalf("%d events of p1 after the repeat, want %d: it flew again", n, len(evs))
	}
	if st := r.sims["drone-1"].Status(); st.Armed {
		t.Fatal("the drone armed again")
	}
}

// TestRouteWithoutRTL: a route without RTL completes at its last
// waypoint with the drone holding there, armed; an abort then (no patrol
// under way) still sends it home, where it lands.
func TestRouteWithoutRTL(t *testing.T) {
	r := newRig(t, nil)
	rep := r.send(bus.Command{RequestID: "r1", Action: bus.ActionPatrolLaunch, Drone: "drone-1",
		Patrol: &bus.PatrolOrder{ID: "p1", Route: "one-way", Points: route(), RTL: false}})
	if !rep.OK {
		t.Fatalf("launch refused: %+v", rep)
	}
	evs := r.console.ended(t, "p1", time.Minute)
	want := []string{"accepted", "uploading", "started", "waypoint 1/3", "waypoint 2/3", "waypoint 3/3", "completed"}
	if got := states(evs); !slices.Equal(got, want) || !strings.Contains(last(evs).Reason, "holds there") {
		t.Fatalf("progress %q (%s), want %q and the drone holding", got, last(evs).Reason, want)
	}
	if st := r.sims["drone-1"].Status(); !st.Armed || st.Alt < 10 {
		t.Fatalf("drone %+v: want it holding in the air at the last waypoint", st)
	}
	if rep := r.abort("drone-1"); !rep.OK {
		t.Fatalf("abort of a drone holding after its patrol: %+v, want ok (RTL)", rep)
	}
	r.await(30*time.Second, "the drone home and landed", func() bool {
		st := r.sims["drone-1"].Status()
		return st.Landed() && dist(st.Lat, st.Lon, home.Lat, home.Lon) < 2
	})
}
