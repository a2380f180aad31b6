package patrol

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/store"
)

func fmtWaypoint(n, of int) string { return fmt.Sprintf("waypoint %d/%d", n, of) }

// A pilot's launch reaches the drone's edge as patrol_launch with the
// route's points; the progress the edge reports reaches listeners in
// order; the drone is busy (a second launch refused) until it ends.
func TestLaunchReachesTheEdgeAndProgressFollows(t *testing.T) {
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", false)})
	r.edge.Step = 50 * time.Millisecond
	r.put(idle("hill-1", "hillside"))
	v, _ := r.svc.Drone("hill-1")
	if v.Edge != "edge-a" || v.Home == nil || v.Home.Lat != home.Lat || !slices.Equal(v.Routes, []string{"ridge", "across-plant", "beyond-fence"}) {
		t.Fatalf("view %+v", v)
	}

	out, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge")
	if err != nil {
		t.Fatal(err)
	}
	c := r.command()
	if c.Action != bus.ActionPatrolLaunch || c.Drone != "hill-1" || c.Patrol == nil || c.Patrol.ID != out.Patrol ||
		c.Patrol.Route != "ridge" || c.Patrol.By != "hill-pilot" || !c.Patrol.RTL ||
		!slices.Equal(c.Patrol.Points, testSite("hillside", false).Routes[0].Points()) {
		t.Fatalf("command %+v order %+v", c, c.Patrol)
	}
	if !strings.HasPrefix(out.Patrol, "p-") || len(out.Checks) == 0 {
		t.Fatalf("launched %+v", out)
	}
	for _, ch := range out.Checks {
		if !ch.OK {
			t.Fatalf("launched with a failed check %+v", ch)
		}
	}
	// Busy from the launch on, before any telemetry says so.
	_, err = r.svc.Launch(context.Background(), pilot, "hill-1", "ridge")
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Kind != RefusedConflict || StatusOf(err) != 409 {
		t.Fatalf("second launch: %v", err)
	}
	want := []string{"accepted", "uploading", "started", "waypoint 1/3", "waypoint 2/3", "waypoint 3/3", "returning", "landed", "completed"}
	if got := r.progress(bus.PatrolCompleted); !slices.Equal(got, want) {
		t.Fatalf("progress %v, want %v", got, want)
	}
	r.waitFor(func() bool {
		v, _ := r.svc.Drone("hill-1")
		return v.State == bus.DroneIdle && v.Patrol != nil && v.Patrol.State == bus.PatrolCompleted && v.Patrol.Of == 3
	}, "the drone idle after its patrol")
	if _, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge"); err != nil {
		t.Fatalf("a launch after the patrol ended: %v", err)
	}
}

// Each pre-flight refusal names its check and its reason, is answered
// with the status the API gives it, and sends nothing to the edge.
func TestRefusals(t *testing.T) {
	sites := map[string]*airspace.Site{"hillside": testSite("hillside", false)}
	r := newRig(t, sites)
	for _, tc := range []struct {
		name   string
		tel    func(*bus.DroneTelemetry)
		who    access.Principal
		route  string
		status int
		check  string
		reason string // a part of the failed check's reason
	}{
		{"link lost", func(d *bus.DroneTelemetry) { d.Link, d.State = bus.LinkLost, bus.DroneOffline }, pilot, "ridge", 409, airspace.CheckLink, ""},
		{"no gps fix", func(d *bus.DroneTelemetry) { d.GPSFix = false }, pilot, "ridge", 409, airspace.CheckGPS, ""},
		{"flying already", func(d *bus.DroneTelemetry) { d.State, d.Armed = bus.DroneFlying, true }, pilot, "ridge", 409, airspace.CheckIdle, ""},
		{"battery low", func(d *bus.DroneTelemetry) { d.Battery.Percent = 27 }, pilot, "ridge", 422, airspace.CheckBattery, ""},
		// The drone's own figures from its telemetry, not the options'
		// 10 m/s and 20 min (with those, ridge passes on a full battery);
		// battery 99 and 98 tell put these samples from the others.
		{"its own endurance short", func(d *bus.DroneTelemetry) { d.Battery.Percent, d.Endurance = 99, 60 }, pilot, "ridge", 422, airspace.CheckBattery, "1m"},
		{"its own max speed slow", func(d *bus.DroneTelemetry) { d.Battery.Percent, d.MaxSpeed = 98, 0.5 }, pilot, "ridge", 422, airspace.CheckBattery, ""},
		// Figures no edge config allows are not believed: the options'
		// endurance (20 min) then refuses a battery at 35 %, where 1e300 s
		// would have let it fly.
		{"an absurd endurance", func(d *bus.DroneTelemetry) { d.Battery.Percent, d.Endurance, d.MaxSpeed = 35, 1e300, 1e300 }, pilot, "ridge", 422, airspace.CheckBattery, "20m"},
		{"beyond the geofence", nil, pilot, "beyond-fence", 422, airspace.CheckGeofence, ""},
		{"a leg across a no-fly zone", nil, pilot, "across-plant", 422, airspace.CheckNoFly, "chemical-plant"},
		{"a commander", nil, commander, "ridge", 403, CheckPermission, "role commander"},
		{"another site's pilot", nil, outsider, "ridge", 403, CheckPermission, "site hillside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel := idle("hill-1", "hillside")
			if tc.tel != nil {
				tc.tel(&tel)
			}
			r.put(tel)
			_, err := r.svc.Launch(context.Background(), tc.who, "hill-1", tc.route)
			var ref *Refusal
			if !errors.As(err, &ref) || StatusOf(err) != tc.status {
				t.Fatalf("launch: %v (status %d), want a %d refusal", err, StatusOf(err), tc.status)
			}
			failed := slices.IndexFunc(ref.Checks, func(c Check) bool { return c.Name == tc.check && !c.OK })
			if failed < 0 || ref.Checks[failed].Reason == "" || !strings.Contains(ref.Checks[failed].Reason, tc.reason) {
				t.Fatalf("checks %+v: want %s failed with %q", ref.Checks, tc.check, tc.reason)
			}
			dry, err := r.svc.Preflight(tc.who, "hill-1", tc.route)
			if err != nil || !slices.Equal(dry, ref.Checks) {
				t.Fatalf("the dry run %+v (%v) differs from the launch's %+v", dry, err, ref.Checks)
			}
			r.noCommand()
		})
	}
	t.Run("unknown drone and route", func(t *testing.T) {
		r.put(idle("hill-1", "hillside"))
		if _, err := r.svc.Launch(context.Background(), pilot, "nobody", "ridge"); !errors.Is(err, ErrUnknownDrone) || StatusOf(err) != 404 {
			t.Fatalf("unknown drone: %v", err)
		}
		if _, err := r.svc.Launch(context.Background(), pilot, "hill-1", "nowhere"); !errors.Is(err, ErrUnknownRoute) || StatusOf(err) != 404 {
			t.Fatalf("unknown route: %v", err)
		}
		r.noCommand()
	})
	t.Run("no airspace for the site", func(t *testing.T) {
		r.put(idle("river-1", "riverside"))
		_, err := r.svc.Launch(context.Background(), access.Principal{Name: "root", Role: store.RoleAdmin, Sites: []string{"*"}}, "river-1", "ridge")
		var ref *Refusal
		if !errors.As(err, &ref) || StatusOf(err) != 422 || !strings.Contains(ref.Error(), "no airspace configured for site riverside") {
			t.Fatalf("launch at a site without airspace: %v", err)
		}
		if v, _ := r.svc.Drone("river-1"); len(v.Routes) != 0 {
			t.Fatalf("routes without airspace: %v", v.Routes)
		}
	})
	t.Run("the edge refuses", func(t *testing.T) {
		r.put(idle("hill-1", "hillside"))
		r.edge.Refuse("drone hill-1: its link is down")
		defer r.edge.Refuse("")
		_, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge")
		if StatusOf(err) != 409 || !strings.Contains(err.Error(), "its link is down") {
			t.Fatalf("refused by the edge: %v", err)
		}
		r.command()
		// The drone is free again: the refusal did not leave it busy.
		r.edge.Refuse("")
		if _, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge"); err != nil {
			t.Fatalf("after the edge's refusal: %v", err)
		}
		r.command()
	})
}

// An abort goes to the edge at once, mid-route, and the patrol ends aborted.
func TestAbortMidRoute(t *testing.T) {
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", false)})
	r.edge.Step = time.Hour // the flight holds at each step until the abort
	r.put(idle("hill-1", "hillside"))
	out, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge")
	if err != nil {
		t.Fatal(err)
	}
	r.command()
	if got := r.progress(bus.PatrolAccepted); !slices.Equal(got, []string{"accepted"}) {
		t.Fatalf("progress %v", got)
	}
	id, err := r.svc.Abort(context.Background(), "hill-1")
	if err != nil || id != out.Patrol {
		t.Fatalf("abort: %q %v", id, err)
	}
	if c := r.command(); c.Action != bus.ActionPatrolAbort || c.Drone != "hill-1" {
		t.Fatalf("command %+v", c)
	}
	if got := r.progress(bus.PatrolAborted); !slices.Equal(got, []string{"returning", "landed", "aborted"}) {
		t.Fatalf("progress after the abort %v", got)
	}
	if _, err := r.svc.Abort(context.Background(), "nobody"); !errors.Is(err, ErrUnknownDrone) {
		t.Fatalf("abort of an unknown drone: %v", err)
	}
	if r.svc.stats.launched.Load() != 1 || r.svc.stats.aborts.Load() != 1 {
		t.Fatalf("launched %d, aborts %d", r.svc.stats.launched.Load(), r.svc.stats.aborts.Load())
	}
	if problems, err := testutil.CollectAndLint(r.svc); err != nil || len(problems) > 0 {
		t.Fatalf("metrics: %v %v", problems, err)
	}
	want := `# HELP argus_gateway_patrol_aborts_total Patrol aborts sent, by outcome: sent, error.
# TYPE argus_gateway_patrol_aborts_total counter
argus_gateway_patrol_aborts_total{outcome="error"} 0
argus_gateway_patrol_aborts_total{outcome="sent"} 1
`
	if err := testutil.CollectAndCompare(r.svc, strings.NewReader(want), "argus_gateway_patrol_aborts_total"); err != nil {
		t.Fatal(err)
	}
}

// Telemetry reaches listeners at most every TelemetryEvery per drone, but
// a change of state passes at once. The clock is the test's.
func TestTelemetryThrottled(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	r := newRig(t, nil, func(o *Options) { o.Now = clk.now })
	tel := idle("hill-1", "hillside")
	r.put(tel) // the first sample: an event
	if e := r.event(EventDrone); e.Drone.ID != "hill-1" || e.Site != "hillside" {
		t.Fatalf("event %+v", e)
	}
	for i := range 5 { // 5 samples within 350 ms: no event
		clk.add(70 * time.Millisecond)
		tel.Battery.Percent = 99 - i
		r.put(tel)
	}
	clk.add(160 * time.Millisecond) // 510 ms after the first: an event
	tel.Battery.Percent = 90
	r.put(tel)
	if e := r.event(EventDrone); e.Drone.Battery != 90 {
		t.Fatalf("the event after 500 ms has battery %d, want 90 (the samples between were not sent)", e.Drone.Battery)
	}
	// An edge at 2 Hz with jitter (samples 480 to 520 ms apart) loses none.
	for i, gap := range []int{480, 520, 490, 510, 485} {
		clk.add(time.Duration(gap) * time.Millisecond)
		tel.Battery.Percent = 80 - i
		r.put(tel)
		if e := r.event(EventDrone); e.Drone.Battery != 80-i {
			t.Fatalf("jittered sample %d: the event has battery %d", i, e.Drone.Battery)
		}
	}
	// An edge at 10 Hz for 2 s: 4 events, 2 Hz. Then a change, 0 ms
	// later, passes at once; listeners hear in order, so the events before
	// it are the throttled ones.
	for i := range 20 {
		clk.add(100 * time.Millisecond)
		tel.Battery.Percent = 70 - i
		r.put(tel)
	}
	tel.State, tel.Armed = bus.DroneFlying, true
	r.put(tel)
	throttled := 0
	for e := r.event(EventDrone); e.Drone.State != bus.DroneFlying; e = r.event(EventDrone) {
		throttled++
	}
	if throttled != 4 {
		t.Fatalf("%d events from 2 s at 10 Hz, want 4", throttled)
	}
	select {
	case e := <-r.events:
		t.Fatalf("an extra event %+v", e)
	default:
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Corrupt or mismatched messages are dropped with a log line; the service
// goes on with the next good one.
func TestBadMessagesIgnored(t *testing.T) {
	r := newRig(t, nil)
	c := peers.MQTTClient(t, r.broker.URL(), "garbage")
	for topic, payload := range map[string]string{
		bus.DroneTelemetryTopic("hill-1"): `{"drone": "hill-1", "site": 7`,
		bus.DroneTelemetryTopic("hill-2"): `{"drone": "other", "site": "hillside", "edge": "edge-a"}`,
		bus.DroneTelemetryTopic("hill-3"): `{"drone": "hill-3", "site": "Hill Side", "edge": "edge-a"}`,
		bus.DroneTelemetryTopic("hill-4"): `{"drone": "hill-4", "site": "hillside", "edge": "edge-a", "position": {"lat": 91, "lon": 0}}`,
		bus.DronePatrolsTopic("hill-5"):   `{"id": "", "state": "started"}`,
		bus.DronePatrolsTopic("hill-6"):   `[1, 2]`,
	} {
		if tok := c.Publish(topic, 1, false, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	r.put(idle("hill-7", "hillside"))
	if got := r.svc.Drones(func(string) bool { return true }); len(got) != 1 || got[0].ID != "hill-7" {
		t.Fatalf("drones %+v", got)
	}
}

// An edge that goes offline leaves its drones' retained telemetry behind:
// they show offline and a launch is refused (link), until telemetry comes again.
func TestEdgeOfflineGroundsItsDrones(t *testing.T) {
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", false)})
	r.put(idle("hill-1", "hillside"))
	r.event(EventDrone)
	r.svc.EdgeOffline("edge-other")
	r.svc.EdgeOffline("edge-a")
	if e := r.event(EventDrone); e.Drone.State != bus.DroneOffline || e.Drone.Link != bus.LinkLost || !strings.Contains(e.Drone.Message, "edge-a") {
		t.Fatalf("event %+v", e.Drone)
	}
	_, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge")
	if StatusOf(err) != 409 || !strings.Contains(err.Error(), "link") {
		t.Fatalf("launch with the edge offline: %v", err)
	}
	r.put(idle("hill-1", "hillside"))
	if _, err := r.svc.Launch(context.Background(), pilot, "hill-1", "ridge"); err != nil {
		t.Fatalf("launch once back: %v", err)
	}
}

// Home is the first position seen disarmed with a GPS fix after a flight:
// not a position without a fix, not where it flies.
func TestHome(t *testing.T) {
	r := newRig(t, nil)
	tel := idle("hill-1", "hillside")
	tel.GPSFix, tel.Position = false, &bus.DronePos{Lat: 0, Lon: 0}
	r.put(tel)
	if v, _ := r.svc.Drone("hill-1"); v.Home != nil {
		t.Fatalf("home without a fix: %+v", v.Home)
	}
	at := func(lat, lon float64, armed bool) {
		tel := idle("hill-1", "hillside")
		tel.Position, tel.Armed = &bus.DronePos{Lat: lat, Lon: lon, AltMSL: 80}, armed
		if armed {
			tel.State = bus.DroneFlying
		}
		r.put(tel)
	}
	for _, step := range []struct {
		lat, lon float64
		armed    bool
		home     float64 // the home's latitude after it
	}{
		{22.301, 114.171, false, 22.301}, // first seen disarmed: home
		{22.302, 114.171, false, 22.301}, // moved a little on the ground: still the first
		{22.305, 114.175, true, 22.301},  // flying
		{22.303, 114.173, false, 22.303}, // landed elsewhere: the new home
	} {
		at(step.lat, step.lon, step.armed)
		if v, _ := r.svc.Drone("hill-1"); v.Home == nil || v.Home.Lat != step.home {
			t.Fatalf("after %+v: home %+v", step, v.Home)
		}
	}
}
