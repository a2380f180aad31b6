package airspace

import (
	"fmt"
	"math"
	"time"
)

// Vertical rates assumed by the battery estimate, in m/s: ArduPilot's
// defaults for missions (WPNAV_SPEED_UP, WPNAV_SPEED_DN).
const (
	ClimbRate   = 2.5 // m/s up
	DescentRate = 1.5 // m/s down
)

// Estimate is how long a route takes and how far it goes.
type Estimate struct {
	// Time is the flight time: legs at their speed, climbs and descents at
	// ClimbRate and DescentRate, and hovers.
	Time time.Duration
	// Distance is the horizontal length in metres, the way home included.
	Distance float64
}

// EstimateRoute reckons the flight of route r by drone d at site s: each
// leg at its waypoint's speed capped by the drone's max speed, climbs and
// descents one after the other rather than blended (which over-counts a
// little, on the safe side), the hovers, and the way home from the last
// waypoint at its speed, counted even without RTL since the drone must
// come back on the same battery. Wind is not reckoned: that is what the
// reserve is for.
func EstimateRoute(s *Site, r Route, d Drone) Estimate {
	proj := newProjection(centre(s.Geofence, d.Home))
	pos, alt := proj.xy(d.Home), 0.0
	var secs, metres float64
	speed := DefaultSpeed
	for _, w := range r.Waypoints {
		speed = legSpeed(w.Speed, d.MaxSpeed)
		next := proj.xy(Point{w.Lat, w.Lon})
		l := dist(pos, next)
		secs += l/speed + vertical(alt, w.Alt) + math.Max(w.Hover, 0)
		metres += l
		pos, alt = next, w.Alt
	}
	l := dist(pos, proj.xy(d.Home))
	secs += l/speed + vertical(alt, 0)
	metres += l
	return Estimate{Time: time.Duration(secs * float64(time.Second)), Distance: metres}
}

// legSpeed is a waypoint's speed capped by the drone's, or the default
// when the waypoint has none.
func legSpeed(wp, max float64) float64 {
	s := wp
	if !(s > 0) {
		s = DefaultSpeed
	}
	if max > 0 && s > max {
		s = max
	}
	return s
}

// vertical is the time to climb or descend from one altitude to another.
func vertical(from, to float64) float64 {
	if to > from {
		return (to - from) / ClimbRate
	}
	return (from - to) / DescentRate
}

func checkBattery(s *Site, r Route, d Drone) Check {
	if d.Endurance <= 0 {
		return Check{Name: CheckBattery, Reason: "the drone's endurance is not known, so the flight cannot be reckoned"}
	}
	e := EstimateRoute(s, r, d)
	frac := e.Time.Seconds() / d.Endurance.Seconds()
	if math.IsNaN(frac) || frac > 10 {
		frac = 10 // keeps the percentage printable for absurd routes
	}
	need := int(math.Ceil(frac * 100))
	detail := fmt.Sprintf("about %s and %.1f km of flight on %s of endurance", formatDuration(e.Time), e.Distance/1000, formatDuration(d.Endurance))
	if d.Battery < 0 {
		return Check{Name: CheckBattery, Reason: fmt.Sprintf("needs %d%% + %d%% reserve, battery level unknown (%s)", need, s.BatteryReserve, detail)}
	}
	reason := fmt.Sprintf("needs %d%% + %d%% reserve, has %d%% (%s)", need, s.BatteryReserve, d.Battery, detail)
	return Check{Name: CheckBattery, Reason: reason, OK: d.Battery-need >= s.BatteryReserve}
}
