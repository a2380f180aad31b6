package airspace

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Check names, in the order Preflight returns them. The gateway adds
// CheckPermission for the pilot's right to fly the drone at the site.
const (
	CheckGeofence   = "geofence"   // home and every leg inside the site's geofence
	CheckNoFly      = "no_fly"     // no leg enters or touches a no-fly zone
	CheckCeiling    = "ceiling"    // every waypoint above ground and under the ceiling
	CheckBattery    = "battery"    // the route's need plus the reserve within the charge
	CheckLink       = "link"       // heartbeats arrive
	CheckGPS        = "gps"        // a 3D fix or better
	CheckIdle       = "idle"       // on the ground, not flying a patrol
	CheckPermission = "permission" // the gateway's: the pilot may fly this drone here
)

// maxReasons is how many problems of one check its reason lists before
// "and N more": enough for a pilot to see the pattern, short enough to
// read.
const maxReasons = 3

// Check is the result of one pre-flight check.
type Check struct {
	// Name is one of the Check* names.
	Name string
	// Reason says what was found, in words a pilot reads, passed or not.
	Reason string
	// OK is true when the check passed.
	OK bool
}

// leg is one straight flight between two points of a route.
type leg struct {
	from, to string // "home" or the 1-based waypoint number
	a, b     vec
}

// Preflight runs every check of route r flown by drone d at site s and
// returns them all, passed or not, in the order of the Check* names:
// geofence, no_fly, ceiling, battery, link, gps, idle.
//
// The geofence and no-fly checks look at every leg, home → waypoint 1 →
// … → waypoint N (→ home when the route ends in RTL), as segments: two
// legal waypoints whose leg crosses a no-fly zone, or leaves a concave
// geofence, are refused. Touching a no-fly zone's boundary counts as
// entering it; flying along the geofence's boundary counts as inside.
func Preflight(s *Site, r Route, d Drone) []Check {
	proj := newProjection(centre(s.Geofence, d.Home))
	legs := routeLegs(proj, r, d.Home)
	return []Check{
		checkGeofence(s, proj, r, d, legs),
		checkNoFly(s, proj, legs),
		checkCeiling(s, r),
		checkBattery(s, r, d),
		checkState(CheckLink, d.LinkUp, "the link is up", "no heartbeat from the drone: its link is down"),
		checkState(CheckGPS, d.GPSFix, "GPS has a 3D fix", "no GPS fix: the autopilot cannot fly a mission without one"),
		checkState(CheckIdle, d.Idle, "on the ground and free", "the drone is busy: already flying or on a patrol"),
	}
}

// routeLegs lists the legs flown, from home and, with RTL, back to it.
func routeLegs(proj projection, r Route, home Point) []leg {
	var legs []leg
	from, a := "home", proj.xy(home)
	for i, w := range r.Waypoints {
		to, b := strconv.Itoa(i+1), proj.xy(Point{w.Lat, w.Lon})
		legs = append(legs, leg{from, to, a, b})
		from, a = to, b
	}
	if r.RTL && len(r.Waypoints) > 0 {
		legs = append(legs, leg{from, "home", a, proj.xy(home)})
	}
	return legs
}

func (l leg) String() string { return "leg " + l.from + "→" + l.to }

func checkGeofence(s *Site, proj projection, r Route, d Drone, legs []leg) Check {
	var bad []string
	switch {
	case d.Site != "" && s.ID != "" && d.Site != s.ID:
		bad = append(bad, fmt.Sprintf("drone %s belongs to site %s, not %s", d.ID, d.Site, s.ID))
	case len(s.Geofence) < 3:
		bad = append(bad, "site "+s.ID+" has no geofence")
	case len(r.Waypoints) == 0:
		bad = append(bad, "route "+r.Name+" has no waypoints")
	}
	if len(bad) > 0 {
		return fail(CheckGeofence, bad)
	}
	for i, w := range r.Waypoints {
		if !finite(w.Lat, w.Lon) || !finite(d.Home.Lat, d.Home.Lon) {
			return fail(CheckGeofence, []string{fmt.Sprintf("waypoint %d or the drone's home has no valid position", i+1)})
		}
	}
	fence := proj.polygon(s.Geofence)
	if !inside(fence, proj.xy(d.Home)) {
		bad = append(bad, "the drone's home at "+format(d.Home)+" is outside the geofence")
	}
	for _, l := range legs {
		if at, out := leaves(fence, l.a, l.b); out && (l.from != "home" || at != l.a) {
			bad = append(bad, fmt.Sprintf("%s leaves the geofence at %s", l, format(proj.point(at))))
		}
	}
	if len(bad) > 0 {
		return fail(CheckGeofence, bad)
	}
	return pass(CheckGeofence, fmt.Sprintf("all %d legs stay inside the geofence", len(legs)))
}

func checkNoFly(s *Site, proj projection, legs []leg) Check {
	var bad []string
	for _, z := range s.NoFly {
		if len(z.Polygon) < 3 {
			continue
		}
		zone := proj.polygon(z.Polygon)
		for _, l := range legs {
			if at, in := enters(zone, l.a, l.b); in {
				bad = append(bad, fmt.Sprintf("%s crosses no-fly zone %q at %s", l, z.Name, format(proj.point(at))))
			}
		}
	}
	if len(bad) > 0 {
		return fail(CheckNoFly, bad)
	}
	return pass(CheckNoFly, fmt.Sprintf("no leg enters any of the %d no-fly zones", len(s.NoFly)))
}

// ceiling is the site's ceiling, never above MaxCeiling.
func (s *Site) ceiling() float64 {
	if !(s.Ceiling > 0 && s.Ceiling <= MaxCeiling) {
		return MaxCeiling
	}
	return s.Ceiling
}

func checkCeiling(s *Site, r Route) Check {
	ceil := s.ceiling()
	var bad []string
	highest := 0.0
	for i, w := range r.Waypoints {
		highest = math.Max(highest, w.Alt)
		switch {
		case !(w.Alt > 0):
			bad = append(bad, fmt.Sprintf("waypoint %d at %g m is not above the ground", i+1, w.Alt))
		case w.Alt > ceil:
			bad = append(bad, fmt.Sprintf("waypoint %d at %g m is above the site's ceiling of %g m", i+1, w.Alt, ceil))
		}
	}
	if len(bad) > 0 {
		return fail(CheckCeiling, bad)
	}
	return pass(CheckCeiling, fmt.Sprintf("highest waypoint %g m, ceiling %g m", highest, ceil))
}

func checkState(name string, ok bool, yes, no string) Check {
	if ok {
		return pass(name, yes)
	}
	return Check{Name: name, Reason: no}
}

func pass(name, reason string) Check { return Check{Name: name, Reason: reason, OK: true} }

// fail joins a check's problems, the first few in full.
func fail(name string, bad []string) Check {
	reason := strings.Join(bad[:min(len(bad), maxReasons)], "; ")
	if len(bad) > maxReasons {
		reason += fmt.Sprintf("; and %d more", len(bad)-maxReasons)
	}
	return Check{Name: name, Reason: reason}
}

// Passed reports whether every check passed.
func Passed(cs []Check) bool { return len(Failed(cs)) == 0 }

// Failed returns the checks that did not pass.
func Failed(cs []Check) []Check {
	var out []Check
	for _, c := range cs {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// formatDuration writes a flight time to the second: "8m12s".
func formatDuration(d time.Duration) string { return d.Round(time.Second).String() }

// RouteProblems runs the checks that depend on the airspace alone
// (geofence, no_fly, ceiling, and battery on a full charge) on every route
// of the site, flown by d from its home, and returns the failed checks by
// route name; nil when every route can be flown. The edge and the gateway
// call it at load time, so that a route that could never be launched is
// reported when its file is read rather than when a pilot needs it.
func (s *Site) RouteProblems(d Drone) map[string][]Check {
	d.LinkUp, d.GPSFix, d.Idle, d.Battery = true, true, true, 100
	var out map[string][]Check
	for _, r := range s.Routes {
		if failed := Failed(Preflight(s, r, d)); len(failed) > 0 {
			if out == nil {
				out = map[string][]Check{}
			}
			out[r.Name] = failed
		}
	}
	return out
}
