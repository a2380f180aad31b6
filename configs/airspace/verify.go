package airspace

import (
	"fmt"
	"math"
	"time"
)

// VerifyRouteName is the name of the routes VerifyRoute builds.
const VerifyRouteName = "verify"

// searchStep is the angle, in degrees, between the points VerifyRoute
// tries around the circle when the one towards home is not allowed.
const searchStep = 5

// VerifyRoute builds the route of a verification flight: from home to a
// safe point at the site's verify standoff from target, on the home side,
// at the verify altitude (never above the ceiling), inside the geofence and
// outside every no-fly zone, the gimbal pitched down at the target (taken
// at take-off height); it hovers there, then returns to launch. When the
// point straight towards home is not allowed it tries points around the
// circle, nearest to home's bearing first, in steps of 5°; the error says
// why when none is.
func VerifyRoute(s *Site, home, target Point, hover time.Duration) (Route, error) {
	if len(s.Geofence) < 3 {
		return Route{}, fmt.Errorf("site %s has no geofence: no safe point can be chosen", s.ID)
	}
	if !finite(home.Lat, home.Lon, target.Lat, target.Lon) {
		return Route{}, fmt.Errorf("the drone's home or the target has no valid position")
	}
	proj := newProjection(centre(s.Geofence, home))
	h, t := proj.xy(home), proj.xy(target)
	fence := proj.polygon(s.Geofence)
	if !inside(fence, h) {
		return Route{}, fmt.Errorf("the drone's home at %s is outside site %s's geofence", format(home), s.ID)
	}
	zones := make([][]vec, 0, len(s.NoFly))
	for _, z := range s.NoFly {
		if len(z.Polygon) >= 3 {
			zones = append(zones, proj.polygon(z.Polygon))
		}
	}
	standoff := s.Verify.Standoff
	if !(standoff > 0) {
		standoff = DefaultVerifyStandoff
	}
	alt := s.Verify.Altitude
	if !(alt > 0) {
		alt = DefaultVerifyAltitude
	}
	alt = math.Min(alt, s.ceiling())
	bearing := math.Atan2(h.y-t.y, h.x-t.x) // from the target towards home
	if dist(h, t) <= eps {
		bearing = math.Pi / 2 // home is the target: look from the north
	}
	for k := 0; k <= 180/searchStep; k++ {
		for _, sign := range []float64{1, -1} {
			if k == 0 && sign < 0 || k == 180/searchStep && sign < 0 {
				continue // 0° and 180° once each
			}
			a := bearing + sign*float64(k*searchStep)*math.Pi/180
			p := t.add(vec{math.Cos(a), math.Sin(a)}.scale(standoff))
			if safe(fence, zones, h, p) {
				return verifyRoute(proj.point(p), alt, standoff, hover), nil
			}
		}
	}
	return Route{}, fmt.Errorf("no safe point %g m from the target at %s: every point around it is outside the geofence, in a no-fly zone, or cannot be reached from home without crossing one",
		standoff, format(target))
}

// safe reports whether a drone can fly from h to p and back along a
// straight line inside the fence and outside every zone.
func safe(fence []vec, zones [][]vec, h, p vec) bool {
	if _, out := leaves(fence, h, p); out {
		return false
	}
	for _, z := range zones {
		if _, in := enters(z, h, p); in {
			return false
		}
	}
	return true
}

// verifyRoute is the one-waypoint route to p, gimbal pitched at a target
// standoff metres away and alt metres below.
func verifyRoute(p Point, alt, standoff float64, hover time.Duration) Route {
	pitch := -math.Atan2(alt, standoff) * 180 / math.Pi
	return Route{
		Name: VerifyRouteName,
		RTL:  true,
		Waypoints: []Waypoint{{
			Lat: p.Lat, Lon: p.Lon, Alt: alt, Speed: VerifySpeed,
			Hover: math.Max(hover.Seconds(), 0), GimbalPitch: math.Max(pitch, minPitch),
		}},
	}
}
