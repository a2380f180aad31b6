package airspace

import (
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// MaxCeiling is the legal ceiling for drones without a special permit, in
// metres above ground; a site may set a lower one, never a higher.
const MaxCeiling = 120.0

// Defaults for keys left out of a site's airspace.
const (
	// DefaultBatteryReserve is the percent of battery kept at landing.
	DefaultBatteryReserve = 25
	// DefaultVerifyAltitude is the height, in metres above take-off, of the
	// point from which a drone sent to look faces a camera's target.
	DefaultVerifyAltitude = 60.0
	// DefaultVerifyStandoff is the horizontal distance, in metres, between
	// that point and the target.
	DefaultVerifyStandoff = 80.0
	// DefaultSpeed is a waypoint's speed when none is written, in m/s.
	DefaultSpeed = 5.0
	// MaxSpeed is the fastest a waypoint may ask for, in m/s.
	MaxSpeed = 25.0
	// VerifySpeed is the speed of a verification flight, in m/s, before
	// the drone's own max speed caps it.
	VerifySpeed = 10.0
)

// Point is a WGS 84 position in degrees.
type Point struct{ Lat, Lon float64 }

// Polygon is a closed area given by its vertices in order; the last
// vertex joins the first.
type Polygon []Point

// Zone is a named no-fly zone.
type Zone struct {
	// Name is what pilots call it ("tank farm"); it appears in refusals.
	Name string
	// Polygon is its outline.
	Polygon Polygon
}

// Waypoint is one point of a route.
type Waypoint struct {
	// Lat and Lon are WGS 84 degrees.
	Lat, Lon float64
	// Alt is metres above the take-off point.
	Alt float64
	// Speed is m/s towards this waypoint.
	Speed float64
	// Hover is seconds held at this waypoint.
	Hover float64
	// GimbalPitch is the camera's pitch in degrees, 0 level, -90 straight
	// down, up to 30 up.
	GimbalPitch float64
}

// Route is a named patrol route of a site.
type Route struct {
	// Name is unique in the site.
	Name string
	// RTL returns the drone to its launch point after the last waypoint.
	RTL bool
	// Waypoints are flown in order from the drone's home.
	Waypoints []Waypoint
	// Line is where the route is written in its file, 0 when built in code.
	Line int
}

// Verify places the safe point of a verification flight ("send a drone
// to look"), relative to the target.
type Verify struct {
	// Altitude is metres above take-off, capped by the site's ceiling.
	Altitude float64
	// Standoff is the horizontal distance from the target in metres.
	Standoff float64
}

// Site is one site's airspace, as Parse returns it with its defaults
// filled in. Treat it as read-only.
type Site struct {
	// ID is the site id; in a directory it matches the file name.
	ID string
	// Geofence is the area drones of the site must stay in.
	Geofence Polygon
	// NoFly are the areas they must never enter, even crossing.
	NoFly []Zone
	// Ceiling is the highest altitude allowed, metres above ground.
	Ceiling float64
	// BatteryReserve is the percent of battery a flight must leave.
	BatteryReserve int
	// AutoDispatch launches the nearest idle drone by itself when a camera
	// of the site sees fire or smoke.
	AutoDispatch bool
	// Verify places the safe point of verification flights.
	Verify Verify
	// Routes are the patrol routes pilots may launch.
	Routes []Route
	// File is where the site was read from ("" when built in code).
	File string
}

// Drone is what the pre-flight checks need to know of a drone: its
// configuration and its last telemetry.
type Drone struct {
	// ID and Site are the drone's and its site's ids.
	ID, Site string
	// Home is the take-off point, where RTL brings it back.
	Home Point
	// MaxSpeed caps every waypoint's speed, m/s (0: no cap).
	MaxSpeed float64
	// Endurance is the flight time on a full battery.
	Endurance time.Duration
	// LinkUp, GPSFix and Idle come from the telemetry: heartbeats arrive,
	// a 3D fix or better, on the ground and not flying a patrol.
	LinkUp, GPSFix, Idle bool
	// Battery is the charge in percent, -1 when unknown.
	Battery int
}

// Route returns the site's route called name.
func (s *Site) Route(name string) (Route, bool) {
	for _, r := range s.Routes {
		if r.Name == name {
			return r, true
		}
	}
	return Route{}, false
}

// Points returns the route's waypoints as the drone contract carries them
// in a patrol order.
func (r Route) Points() []bus.PatrolPoint {
	pts := make([]bus.PatrolPoint, len(r.Waypoints))
	for i, w := range r.Waypoints {
		pts[i] = bus.PatrolPoint{Lat: w.Lat, Lon: w.Lon, Alt: w.Alt, Speed: w.Speed, Hover: w.Hover, GimbalPitch: w.GimbalPitch}
	}
	return pts
}

// RouteFromPoints builds a route from the points of a patrol order, so the
// edge can check what the gateway sent against its own copy of the site.
func RouteFromPoints(name string, pts []bus.PatrolPoint, rtl bool) Route {
	r := Route{Name: name, RTL: rtl, Waypoints: make([]Waypoint, len(pts))}
	for i, p := range pts {
		r.Waypoints[i] = Waypoint{Lat: p.Lat, Lon: p.Lon, Alt: p.Alt, Speed: p.Speed, Hover: p.Hover, GimbalPitch: p.GimbalPitch}
	}
	return r
}
