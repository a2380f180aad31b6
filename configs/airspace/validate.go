package airspace

import (
	"fmt"
	"math"
	"regexp"

	"github.com/argus-edge/argus/configs/strict"
)

// Bounds of a site's airspace document.
const (
	// maxVertices bounds a polygon: autopilots keep fences in a few hundred
	// points at most, and the checks compare every edge with every leg.
	maxVertices = 500
	// maxZones bounds the no-fly zones of a site: every leg is checked
	// against every zone's every edge.
	maxZones = 100
	// maxWaypoints bounds a route, below what ArduPilot boards store.
	maxWaypoints = 500
	// maxHover is the longest hover a waypoint may ask for, in seconds.
	maxHover = 3600
	// maxReserve is the highest battery reserve, in percent.
	maxReserve = 90
	// minStandoff and maxStandoff bound verify.standoff, in metres.
	minStandoff, maxStandoff = 10, 2000
	// minPitch and maxPitch bound a gimbal's pitch, in degrees.
	minPitch, maxPitch = -90, 30
	// minArea is the smallest polygon, in square metres.
	minArea = 1.0
)

// idPattern is the edge config's: site ids and route names travel in MQTT
// topics and API paths.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// validate records every rule the site breaks.
func validate(s *Site, ps *strict.Problems) {
	switch {
	case s.ID == "" && !ps.Written("site"):
		ps.Add("site", "is required")
	case !idPattern.MatchString(s.ID):
		ps.Addf("site", "%q is not a valid site id: use 1 to 63 of a-z, 0-9, _ and -", s.ID)
	}
	if len(s.Geofence) == 0 && !ps.Written("geofence") {
		ps.Add("geofence", "is required: the polygon, [[lat, lon], …], drones of the site must stay in")
	} else {
		checkPolygon(ps, "geofence", s.Geofence)
	}
	if len(s.NoFly) > maxZones {
		ps.Addf("no_fly", "has %d zones: at most %d", len(s.NoFly), maxZones)
	}
	names := map[string]int{}
	for i, z := range s.NoFly {
		path := strict.Index("no_fly", i)
		if z.Name == "" {
			ps.Add(path+".name", "is required: pilots read it in refusals")
		} else if first, dup := names[z.Name]; dup {
			ps.Addf(path+".name", "%q is already the name of no_fly[%d]", z.Name, first)
		} else {
			names[z.Name] = i
		}
		checkPolygon(ps, path+".polygon", z.Polygon)
	}
	if !(s.Ceiling > 0 && s.Ceiling <= MaxCeiling) {
		ps.Addf("ceiling", "%g is not in (0, %g]: metres above ground, 120 at most", s.Ceiling, MaxCeiling)
	}
	if s.BatteryReserve < 0 || s.BatteryReserve > maxReserve {
		ps.Addf("battery_reserve", "%d is not a percent between 0 and %d", s.BatteryReserve, maxReserve)
	}
	if !(s.Verify.Altitude > 0 && s.Verify.Altitude <= MaxCeiling) {
		ps.Addf("verify.altitude", "%g is not in (0, %g]: metres above take-off", s.Verify.Altitude, MaxCeiling)
	}
	if !(s.Verify.Standoff >= minStandoff && s.Verify.Standoff <= maxStandoff) {
		ps.Addf("verify.standoff", "%g is not between %d and %d metres", s.Verify.Standoff, minStandoff, maxStandoff)
	}
	checkRoutes(ps, s.Routes)
}

// checkPolygon checks that a polygon has 3 to maxVertices valid points,
// encloses an area and does not cross itself.
func checkPolygon(ps *strict.Problems, path string, poly Polygon) {
	if len(poly) < 3 {
		ps.Addf(path, "has %d points: a polygon needs at least 3", len(poly))
		return
	}
	if len(poly) > maxVertices {
		ps.Addf(path, "has %d points: at most %d", len(poly), maxVertices)
		return
	}
	ok := true
	for i, p := range poly {
		ok = checkLatLon(ps, strict.Index(path, i), p.Lat, p.Lon, "") && ok
	}
	if !ok {
		return
	}
	proj := newProjection(centre(poly, Point{}))
	v := proj.polygon(poly)
	for i := range v {
		if j := (i + 1) % len(v); dist(v[i], v[j]) <= eps {
			ps.Addf(strict.Index(path, j), "repeats %s: write each point once (the last joins the first by itself)", strict.Index(path, i))
			return
		}
	}
	if i, j, at, crossed := selfCrossing(v); crossed {
		ps.Addf(strict.Index(path, i), "the edge from %s to the next point meets the edge from %s at %s: the polygon must not cross itself",
			strict.Index(path, i), strict.Index(path, j), format(proj.point(at)))
		return
	}
	if area(v) < minArea {
		ps.Addf(path, "encloses no area")
	}
}

// checkLatLon checks a WGS 84 position; field is the path of the point
// and suffix the separator before lat and lon ("." for keyed fields, ""
// for [lat, lon] pairs whose problems go on the pair).
func checkLatLon(ps *strict.Problems, path string, lat, lon float64, suffix string) bool {
	ok := true
	latField, lonField := path, path
	if suffix != "" {
		latField, lonField = path+suffix+"lat", path+suffix+"lon"
	}
	if !(lat >= -90 && lat <= 90) {
		ps.Addf(latField, "latitude %g is not between -90 and 90", lat)
		ok = false
	}
	if !(lon >= -180 && lon <= 180) {
		ps.Addf(lonField, "longitude %g is not between -180 and 180", lon)
		ok = false
	}
	return ok
}

// checkRoutes checks route names and every waypoint's values.
func checkRoutes(ps *strict.Problems, routes []Route) {
	names := map[string]int{}
	for i, r := range routes {
		path := strict.Index("routes", i)
		switch {
		case r.Name == "":
			ps.Add(path+".name", "is required")
		case !idPattern.MatchString(r.Name):
			ps.Addf(path+".name", "%q is not a valid route name: use 1 to 63 of a-z, 0-9, _ and -", r.Name)
		default:
			if first, dup := names[r.Name]; dup {
				ps.Addf(path+".name", "%q is already the name of routes[%d]", r.Name, first)
			}
			names[r.Name] = i
		}
		switch {
		case len(r.Waypoints) == 0:
			ps.Add(path+".waypoints", "is required: at least one waypoint")
		case len(r.Waypoints) > maxWaypoints:
			ps.Addf(path+".waypoints", "has %d waypoints: at most %d", len(r.Waypoints), maxWaypoints)
		}
		for j, w := range r.Waypoints {
			checkWaypoint(ps, strict.Index(path+".waypoints", j), w)
		}
	}
}

// checkWaypoint checks one waypoint's values on their own; where it lies
// and its altitude against the site's ceiling are Preflight's.
func checkWaypoint(ps *strict.Problems, path string, w Waypoint) {
	if !ps.Written(path+".lat") || !ps.Written(path+".lon") {
		ps.Add(path, "needs lat and lon")
	} else {
		checkLatLon(ps, path, w.Lat, w.Lon, ".")
	}
	switch {
	case !ps.Written(path + ".alt"):
		ps.Add(path+".alt", "is required: metres above the take-off point")
	case !(w.Alt > 0 && w.Alt <= MaxCeiling):
		ps.Addf(path+".alt", "%g is not in (0, %g]: metres above the take-off point", w.Alt, MaxCeiling)
	}
	if !(w.Speed > 0 && w.Speed <= MaxSpeed) {
		ps.Addf(path+".speed", "%g is not in (0, %g] m/s", w.Speed, MaxSpeed)
	}
	if !(w.Hover >= 0 && w.Hover <= maxHover) {
		ps.Addf(path+".hover", "%g is not between 0 and %d seconds", w.Hover, maxHover)
	}
	if !(w.GimbalPitch >= minPitch && w.GimbalPitch <= maxPitch) {
		ps.Addf(path+".gimbal_pitch", "%g is not between %d (straight down) and %d degrees", w.GimbalPitch, minPitch, maxPitch)
	}
}

// format writes a position the way refusals do: 5 decimals, about a metre.
func format(p Point) string {
	return fmt.Sprintf("%.5f, %.5f", p.Lat, p.Lon)
}

// finite reports whether every value is a finite number.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
