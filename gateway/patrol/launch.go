package patrol

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
)

// Errors of Launch, Preflight, Abort and Verify; a refusal is a *Refusal.
var (
	ErrUnknownDrone = errors.New("no such drone")
	ErrUnknownRoute = errors.New("no such route")
	// ErrEdge wraps a command that did not reach the drone's edge or got no answer.
	ErrEdge = errors.New("the drone's edge did not answer")
)

// CheckPermission is the gateway's own pre-flight check, beside the airspace's.
const CheckPermission = airspace.CheckPermission

// CheckAirspace fails where the site has no airspace configured.
const CheckAirspace = "airspace"

// CheckEdge fails where the edge refused the command.
const CheckEdge = "edge"

// CheckRoute fails where no verification route could be drawn for a drone.
const CheckRoute = "route"

// Check is one pre-flight check's result, as the console lists it.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
}

// Refusal kinds, the API's answer to each.
const (
	RefusedForbidden = "forbidden" // the caller may not fly there: 403
	RefusedConflict  = "conflict"  // the drone's state (busy, link down, no GPS fix): 409
	RefusedInvalid   = "invalid"   // the route or the site (geofence, no-fly, ceiling, battery, airspace): 422
)

// Refusal is a launch the pre-flight (or the edge) refused: every check,
// passed or not, and the kind of the worst failure.
type Refusal struct {
	Kind   string
	Checks []Check
}

// Error lists the failed checks' reasons.
func (r *Refusal) Error() string {
	var why []string
	for _, c := range r.Checks {
		if !c.OK {
			why = append(why, c.Reason)
		}
	}
	return "refused: " + strings.Join(why, "; ")
}

// stateChecks fail on what the drone is doing, not on the route.
var stateChecks = []string{airspace.CheckLink, airspace.CheckGPS, airspace.CheckIdle, CheckEdge}

// refusal is the Refusal of checks, nil when every one passed.
func refusal(checks []Check) *Refusal {
	r := &Refusal{Checks: checks}
	for _, c := range checks {
		switch {
		case c.OK:
		case c.Name == CheckPermission:
			r.Kind = RefusedForbidden
		case slices.Contains(stateChecks, c.Name) && r.Kind != RefusedForbidden:
			r.Kind = RefusedConflict
		case r.Kind == "":
			r.Kind = RefusedInvalid
		}
	}
	if r.Kind == "" {
		return nil
	}
	return r
}

// Launched is a patrol sent to a drone's edge.
type Launched struct {
	Patrol string  `json:"patrol"`
	Drone  string  `json:"drone"`
	Route  string  `json:"route"`
	Checks []Check `json:"checks"`
}

// system marks a launch on nobody's request (auto_dispatch): no role to check.
const system access.Permission = ""

// Preflight runs the checks of route flown by drone for p without sending
// anything: the console's dry run.
func (s *Service) Preflight(p access.Principal, droneID, route string) ([]Check, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, site, r, err := s.routeLocked(droneID, route)
	if err != nil {
		return nil, err
	}
	return s.checksLocked(p, access.PermFly, droneID, d, site, r), nil
}

// Launch checks route flown by drone for p and, when every check passes,
// sends patrol_launch to the drone's edge with a fresh patrol id. The
// drone is busy from then on: a second launch is refused until the patrol ends.
func (s *Service) Launch(ctx context.Context, p access.Principal, droneID, route string) (Launched, error) {
	s.mu.Lock()
	d, site, r, err := s.routeLocked(droneID, route)
	if err != nil {
		s.mu.Unlock()
		return Launched{}, err
	}
	checks := s.checksLocked(p, access.PermFly, droneID, d, site, r)
	if ref := refusal(checks); ref != nil {
		s.mu.Unlock()
		s.stats.refused.Add(1)
		return Launched{Drone: droneID, Route: route, Checks: checks}, ref
	}
	order := bus.PatrolOrder{ID: newPatrolID(), Route: r.Name, By: p.Name, Reason: "patrol", Points: r.Points(), RTL: r.RTL}
	out, err := s.sendLocked(ctx, droneID, d, order, checks)
	s.stats.launch(err)
	return out, err
}

// routeLocked finds a drone, its site's airspace (nil: none configured)
// and the route of that name.
func (s *Service) routeLocked(droneID, route string) (*drone, *airspace.Site, airspace.Route, error) {
	d, ok := s.drones[droneID]
	if !ok {
		return nil, nil, airspace.Route{}, fmt.Errorf("drone %s: %w", droneID, ErrUnknownDrone)
	}
	site := s.opts.Sites[d.tel.Site]
	if site == nil {
		return d, nil, airspace.Route{Name: route}, nil // refused by its checks, with the reason
	}
	r, ok := site.Route(route)
	if !ok {
		return d, site, r, fmt.Errorf("site %s: route %q: %w", d.tel.Site, route, ErrUnknownRoute)
	}
	return d, site, r, nil
}

// checksLocked is the permission check (perm at the drone's site; system
// skips the role) and the airspace's checks of r for d.
func (s *Service) checksLocked(p access.Principal, perm access.Permission, id string, d *drone, site *airspace.Site, r airspace.Route) []Check {
	checks := []Check{permission(p, perm, d.tel.Site)}
	if site == nil {
		return append(checks, Check{Name: CheckAirspace, Reason: "no airspace configured for site " + d.tel.Site})
	}
	for _, c := range airspace.Preflight(site, r, s.droneLocked(id, d)) {
		checks = append(checks, Check{Name: c.Name, OK: c.OK, Reason: c.Reason})
	}
	return checks
}

// permission checks that p holds perm at site (system: nobody's request, no role to check).
func permission(p access.Principal, perm access.Permission, site string) Check {
	switch {
	case perm != system && !p.Can(perm):
		return Check{Name: CheckPermission, Reason: fmt.Sprintf("role %s may not %s drones", p.Role, perm)}
	case perm != system && !p.Covers(site):
		return Check{Name: CheckPermission, Reason: fmt.Sprintf("%s may not fly at site %s", p.Name, site)}
	}
	return Check{Name: CheckPermission, OK: true}
}

// maxEndurance bounds a drone's endurance_s as the edge's config does.
const maxEndurance = 24 * time.Hour

// droneLocked is what the airspace's checks know of d.
func (s *Service) droneLocked(id string, d *drone) airspace.Drone {
	ad := airspace.Drone{ID: id, Site: d.tel.Site, MaxSpeed: s.opts.MaxSpeed, Endurance: s.opts.Endurance,
		LinkUp: d.tel.Link == bus.LinkUp, GPSFix: d.tel.GPSFix, Idle: !d.busy(), Battery: d.tel.Battery.Percent}
	// The drone's own figures, where its edge publishes them (from its
	// config, which bounds them the same way); the options' are for an
	// edge that does not say, or says something no config allows.
	if v := d.tel.MaxSpeed; v > 0 && v <= airspace.MaxSpeed {
		ad.MaxSpeed = v
	}
	if e := d.tel.Endurance; e > 0 && e <= maxEndurance.Seconds() {
		ad.Endurance = time.Duration(e * float64(time.Second))
	}
	if h := d.whereFrom(); h != nil {
		ad.Home = airspace.Point{Lat: h.Lat, Lon: h.Lon}
	}
	return ad
}

// whereFrom is the drone's home, else where it is now, else nil.
func (d *drone) whereFrom() *bus.Geo {
	if d.home != nil {
		return d.home
	}
	if p := d.tel.Position; p != nil {
		return &bus.Geo{Lat: p.Lat, Lon: p.Lon, Alt: p.AltMSL}
	}
	return nil
}

// sendLocked marks the drone busy with order, unlocks, and sends
// patrol_launch to its edge; a refused or unanswered command frees it again.
func (s *Service) sendLocked(ctx context.Context, id string, d *drone, order bus.PatrolOrder, checks []Check) (Launched, error) {
	prev, edge := d.patrol, d.tel.Edge
	d.patrol = &bus.PatrolStatus{ID: order.ID, Route: order.Route, State: bus.PatrolAccepted, Of: len(order.Points), Verifies: order.Verifies}
	s.mu.Unlock()
	out := Launched{Patrol: order.ID, Drone: id, Route: order.Route, Checks: checks}
	ctx, cancel := context.WithTimeout(ctx, s.opts.CommandTimeout)
	defer cancel()
	reply, err := s.opts.Commands.Command(ctx, edge, bus.Command{Action: bus.ActionPatrolLaunch, Drone: id, Patrol: &order})
	if err == nil && reply.OK {
		s.log.Info().Str("drone", id).Str("edge", edge).Str("patrol", order.ID).Str("route", order.Route).
			Str("by", order.By).Str("reason", order.Reason).Msg("patrol launched")
		return out, nil
	}
	s.mu.Lock()
	if d.patrol != nil && d.patrol.ID == order.ID && d.patrol.State == bus.PatrolAccepted {
		d.patrol = prev
	}
	s.mu.Unlock()
	if err != nil {
		return out, fmt.Errorf("drone %s: patrol_launch to edge %s: %w: %v", id, edge, ErrEdge, err)
	}
	out.Checks = append(slices.Clone(checks), Check{Name: CheckEdge, Reason: "edge " + edge + " refused: " + reply.Error})
	return out, refusal(out.Checks)
}

// Abort sends patrol_abort for the drone at once, whatever its state: the
// edge brings it home. It returns the patrol aborted ("" when none was known).
func (s *Service) Abort(ctx context.Context, droneID string) (string, error) {
	s.mu.Lock()
	d, ok := s.drones[droneID]
	if !ok {
		s.mu.Unlock()
		return "", fmt.Errorf("drone %s: %w", droneID, ErrUnknownDrone)
	}
	edge, patrol := d.tel.Edge, ""
	if d.patrol != nil {
		patrol = d.patrol.ID
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, s.opts.CommandTimeout)
	defer cancel()
	reply, err := s.opts.Commands.Command(ctx, edge, bus.Command{Action: bus.ActionPatrolAbort, Drone: droneID})
	if err != nil || !reply.OK {
		s.stats.abortErrors.Add(1)
	} else {
		s.stats.aborts.Add(1)
	}
	if err != nil {
		return patrol, fmt.Errorf("drone %s: patrol_abort to edge %s: %w: %v", droneID, edge, ErrEdge, err)
	}
	if !reply.OK {
		return patrol, &Refusal{Kind: RefusedConflict, Checks: []Check{{Name: CheckEdge, Reason: "edge " + edge + " refused the abort: " + reply.Error}}}
	}
	s.log.Info().Str("drone", droneID).Str("edge", edge).Str("patrol", patrol).Msg("patrol abort sent")
	return patrol, nil
}

// Site is the site of a known drone.
func (s *Service) Site(droneID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drones[droneID]
	if !ok {
		return "", false
	}
	return d.tel.Site, true
}

// newPatrolID is "p-" and 12 random hex digits.
func newPatrolID() string {
	var b [6]byte
	rand.Read(b[:])
	return "p-" + hex.EncodeToString(b[:])
}
