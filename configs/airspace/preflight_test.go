package airspace

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// The test site is drawn in metres east (x) and north (y) of an origin in
// the district, then turned into WGS 84 points: a U-shaped (concave)
// geofence whose notch, x 200..400 and y 200..600, is outside, and a tank
// farm, x 520..580 and y 300..400, in its right arm.
var origin = Point{Lat: 22.5400, Lon: 114.0500}

func at(x, y float64) Point { return newProjection(origin).point(vec{x, y}) }

func poly(xy ...float64) Polygon {
	var p Polygon
	for i := 0; i+1 < len(xy); i += 2 {
		p = append(p, at(xy[i], xy[i+1]))
	}
	return p
}

func testSite() *Site {
	return &Site{
		ID:             "quay",
		Geofence:       poly(0, 0, 600, 0, 600, 600, 400, 600, 400, 200, 200, 200, 200, 600, 0, 600),
		NoFly:          []Zone{{Name: "tank farm", Polygon: poly(520, 300, 580, 300, 580, 400, 520, 400)}},
		Ceiling:        100,
		BatteryReserve: 25,
		Verify:         Verify{Altitude: 60, Standoff: 80},
	}
}

func testDrone() Drone {
	return Drone{ID: "d1", Site: "quay", Home: at(100, 100), MaxSpeed: 10, Endurance: 10 * time.Minute,
		LinkUp: true, GPSFix: true, Idle: true, Battery: 100}
}

// route builds a route through points given as x, y pairs, each at alt
// metres and 10 m/s.
func route(rtl bool, alt float64, xy ...float64) Route {
	r := Route{Name: "r", RTL: rtl}
	for i := 0; i+1 < len(xy); i += 2 {
		p := at(xy[i], xy[i+1])
		r.Waypoints = append(r.Waypoints, Waypoint{Lat: p.Lat, Lon: p.Lon, Alt: alt, Speed: 10})
	}
	return r
}

func TestPreflight(t *testing.T) {
	legal := route(true, 50, 100, 400, 100, 500)
	cases := []struct {
		name   string
		route  Route
		drone  func(*Drone)
		failed string // the one check that fails, "" for none
		reason string // a regular expression its reason must match
	}{
		{name: "legal route", route: legal},
		{name: "waypoint outside the fence", route: route(true, 50, 100, 700), failed: CheckGeofence,
			reason: `^leg home→1 leaves the geofence at .*; leg 1→home leaves the geofence at `},
		// Both waypoints are in the fence; the leg between them crosses
		// the notch of the U.
		{name: "leg leaves a concave fence between two inside waypoints", route: route(true, 50, 100, 500, 500, 500, 500, 100),
			failed: CheckGeofence, reason: `^leg 1→2 leaves the geofence at ` + regexp.QuoteMeta(format(at(200, 500))) + `$`},
		{name: "home outside the fence", route: legal, drone: func(d *Drone) { d.Home = at(300, 400) }, failed: CheckGeofence,
			reason: `^the drone's home at .* is outside the geofence; leg 2→home leaves the geofence at ` + regexp.QuoteMeta(format(at(200, 450))) + `$`},
		{name: "drone of another site", route: legal, drone: func(d *Drone) { d.Site = "hill" }, failed: CheckGeofence,
			reason: `^drone d1 belongs to site hill, not quay$`},
		{name: "no waypoints", route: Route{Name: "empty", RTL: true}, failed: CheckGeofence, reason: `^route empty has no waypoints$`},
		// Both waypoints are outside the tank farm; the leg between them
		// crosses it.
		{name: "leg crosses a no-fly zone between two legal waypoints", route: route(true, 50, 550, 150, 550, 450, 450, 450, 450, 150),
			failed: CheckNoFly, reason: `^leg 1→2 crosses no-fly zone "tank farm" at ` + regexp.QuoteMeta(format(at(550, 300))) + `$`},
		{name: "waypoint in a no-fly zone", route: route(false, 50, 450, 150, 450, 350, 550, 350), failed: CheckNoFly,
			reason: `^leg 2→3 crosses no-fly zone "tank farm" at ` + regexp.QuoteMeta(format(at(520, 350))) + `$`},
		// Touching a zone counts as entering it.
		{name: "leg grazes a no-fly zone's corner", route: route(false, 50, 450, 150, 450, 370, 590, 230), failed: CheckNoFly,
			reason: `^leg 2→3 crosses no-fly zone "tank farm" at ` + regexp.QuoteMeta(format(at(520, 300))) + `$`},
		{name: "above the ceiling", route: route(true, 101, 100, 400), failed: CheckCeiling,
			reason: `^waypoint 1 at 101 m is above the site's ceiling of 100 m$`},
		{name: "on the ground", route: route(true, 0, 100, 400), failed: CheckCeiling, reason: `^waypoint 1 at 0 m is not above the ground$`},
		{name: "battery too low", route: legal, drone: func(d *Drone) { d.Battery = 30 }, failed: CheckBattery,
			reason: `^needs \d+% \+ 25% reserve, has 30% \(about `},
		{name: "battery unknown", route: legal, drone: func(d *Drone) { d.Battery = -1 }, failed: CheckBattery, reason: `battery level unknown`},
		{name: "endurance unknown", route: legal, drone: func(d *Drone) { d.Endurance = 0 }, failed: CheckBattery, reason: `endurance is not known`},
		{name: "link down", route: legal, drone: func(d *Drone) { d.LinkUp = false }, failed: CheckLink, reason: `link is down`},
		{name: "no GPS fix", route: legal, drone: func(d *Drone) { d.GPSFix = false }, failed: CheckGPS, reason: `no GPS fix`},
		{name: "busy", route: legal, drone: func(d *Drone) { d.Idle = false }, failed: CheckIdle, reason: `already flying`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := testDrone()
			if tc.drone != nil {
				tc.drone(&d)
			}
			checks := Preflight(testSite(), tc.route, d)
			names := make([]string, len(checks))
			for i, c := range checks {
				names[i] = c.Name
				if c.Reason == "" {
					t.Errorf("check %s has no reason", c.Name)
				}
			}
			if got := strings.Join(names, ","); got != "geofence,no_fly,ceiling,battery,link,gps,idle" {
				t.Fatalf("checks %s", got)
			}
			failed := Failed(checks)
			if tc.failed == "" {
				if !Passed(checks) {
					t.Fatalf("refused: %+v", failed)
				}
				return
			}
			if len(failed) != 1 || failed[0].Name != tc.failed || Passed(checks) {
				t.Fatalf("failed %+v, want only %s", failed, tc.failed)
			}
			if !regexp.MustCompile(tc.reason).MatchString(failed[0].Reason) {
				t.Errorf("reason %q does not match %q", failed[0].Reason, tc.reason)
			}
		})
	}
}

// The battery check reckons the route's time: 400 m out and back at the
// waypoint's 10 m/s (80 s), a 40 m climb at 2.5 m/s (16 s) and descent at
// 1.5 m/s (26.7 s), and a 60 s hover: 182.7 s, 31% of 10 minutes.
func TestBatteryReckoning(t *testing.T) {
	r := route(true, 40, 100, 500)
	r.Waypoints[0].Hover = 60
	cases := []struct {
		battery  int
		maxSpeed float64
		ok       bool
		reason   string
	}{
		{56, 10, true, "needs 31% + 25% reserve, has 56% (about 3m3s and 0.8 km of flight on 10m0s of endurance)"},
		{55, 10, false, "needs 31% + 25% reserve, has 55%"},
		// Capped at 5 m/s, the legs take 160 s: 262.7 s, 44%.
		{68, 5, false, "needs 44% + 25% reserve, has 68%"},
		{69, 5, true, "needs 44% + 25% reserve, has 69%"},
		{100, 0, true, "needs 31% + 25% reserve"}, // no cap: the waypoint's speed
	}
	for _, tc := range cases {
		d := testDrone()
		d.Battery, d.MaxSpeed = tc.battery, tc.maxSpeed
		c := checkBattery(testSite(), r, d)
		if c.OK != tc.ok || !strings.HasPrefix(c.Reason, tc.reason) {
			t.Errorf("battery %d, max %g m/s: %+v, want ok=%v and %q", tc.battery, tc.maxSpeed, c, tc.ok, tc.reason)
		}
	}
}

func TestVerifyRoute(t *testing.T) {
	s := testSite()
	cases := []struct {
		name         string
		home, target Point
		want         Point // the safe point, within a metre
		notDirect    bool  // the point straight towards home is not allowed
		err          string
	}{
		// Straight towards home: 80 m south of the target.
		{name: "towards home", home: at(100, 100), target: at(100, 480), want: at(100, 400)},
		// The leg to the point towards home would cross the notch (x
		// 200..400, y over 200): the search turns around the target to a
		// point home can reach in a straight line.
		{name: "around the notch", home: at(100, 100), target: at(480, 260), notDirect: true},
		{name: "target in a no-fly zone", home: at(450, 100), target: at(550, 350)},
		{name: "home outside the fence", home: at(300, 300), target: at(100, 400), err: "is outside site quay's geofence"},
		{name: "no safe point", home: at(100, 100), target: at(300, 400), err: "no safe point 80 m from the target"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := VerifyRoute(s, tc.home, tc.target, 30*time.Second)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Waypoints) != 1 || !r.RTL || r.Name != VerifyRouteName {
				t.Fatalf("route %+v", r)
			}
			w := r.Waypoints[0]
			proj := newProjection(origin)
			p, target := proj.xy(Point{w.Lat, w.Lon}), proj.xy(tc.target)
			if d := dist(p, target); d < 79.9 || d > 80.1 {
				t.Errorf("safe point %.1f m from the target, want 80", d)
			}
			if toHome := proj.xy(tc.home).sub(target); tc.notDirect {
				direct := target.add(toHome.scale(80 / toHome.norm()))
				if dist(p, direct) < 1 {
					t.Error("took the point straight towards home, whose leg leaves the fence")
				}
			}
			if tc.want != (Point{}) {
				if d := dist(p, proj.xy(tc.want)); d > 1 {
					t.Errorf("safe point %.1f m from the one towards home", d)
				}
			}
			if w.Alt != 60 || w.Hover != 30 || w.GimbalPitch > -36 || w.GimbalPitch < -38 {
				t.Errorf("waypoint %+v, want 60 m, 30 s and the gimbal at atan(60/80) = -36.9°", w)
			}
			d := testDrone()
			d.Home = tc.home
			if checks := Preflight(s, r, d); !Passed(checks) {
				t.Errorf("the verification route fails its pre-flight: %+v", Failed(checks))
			}
		})
	}
}

// The verification altitude never exceeds the site's ceiling.
func TestVerifyRouteUnderCeiling(t *testing.T) {
	s := testSite()
	s.Ceiling = 45
	r, err := VerifyRoute(s, at(100, 100), at(100, 480), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Waypoints[0].Alt != 45 {
		t.Errorf("alt %g, want the ceiling 45", r.Waypoints[0].Alt)
	}
}

func TestRoutePointsRoundTrip(t *testing.T) {
	r := route(false, 30, 100, 200, 150, 250)
	r.Waypoints[1].Hover, r.Waypoints[1].GimbalPitch = 12, -45
	back := RouteFromPoints(r.Name, r.Points(), r.RTL)
	if back.Name != r.Name || back.RTL != r.RTL || len(back.Waypoints) != 2 || back.Waypoints[1] != r.Waypoints[1] {
		t.Errorf("round trip %+v, want %+v", back, r)
	}
	s := &Site{Routes: []Route{r}}
	if got, ok := s.Route("r"); !ok || got.Name != "r" {
		t.Error("Route(r) not found")
	}
	if _, ok := s.Route("nope"); ok {
		t.Error("Route(nope) found")
	}
}

// RouteProblems names the routes that cannot be flown from a drone's home,
// whatever the drone's state.
func TestRouteProblems(t *testing.T) {
	s := testSite()
	s.Routes = []Route{route(true, 50, 100, 400), route(true, 50, 550, 150, 550, 450, 450, 450, 450, 150)}
	s.Routes[1].Name = "through-tanks"
	d := testDrone()
	d.LinkUp, d.Battery = false, 10 // not the airspace's concern
	p := s.RouteProblems(d)
	if len(p) != 1 || len(p["through-tanks"]) != 1 || p["through-tanks"][0].Name != CheckNoFly {
		t.Errorf("RouteProblems = %+v, want through-tanks refused for no_fly", p)
	}
}
