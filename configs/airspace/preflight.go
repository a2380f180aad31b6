package airspace

import (
	"errors"
	"time"
)

// Check names, in the order Preflight returns them. The gateway adds
// CheckPermission for the pilot's right to fly the drone at the site.
const (
	CheckGeofence   = "geofence"
	CheckNoFly      = "no_fly"
	CheckCeiling    = "ceiling"
	CheckBattery    = "battery"
	CheckLink       = "link"
	CheckGPS        = "gps"
	CheckIdle       = "idle"
	CheckPermission = "permission"
)

// Check is the result of one pre-flight check.
type Check struct {
	// Name is one of the Check* names.
	Name string
	// Reason says what was found, in words a pilot reads, passed or not.
	Reason string
	// OK is true when the check passed.
	OK bool
}

// Preflight runs every check of route r flown by drone d at site s and
// returns them all, passed or not, in a fixed order.
func Preflight(s *Site, r Route, d Drone) []Check {
	return nil
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

// VerifyRoute builds the route of a verification flight: from home to a
// safe point at the site's verify standoff from target, on the home side,
// at the verify altitude (never above the ceiling), inside the geofence and
// outside every no-fly zone, the gimbal pitched at the target; it hovers
// there, then returns to launch. When the point straight towards home is
// not allowed it searches around the circle; the error says why when no
// point on it is.
func VerifyRoute(s *Site, home, target Point, hover time.Duration) (Route, error) {
	return Route{}, errors.New("airspace: not implemented")
}
