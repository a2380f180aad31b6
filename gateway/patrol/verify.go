package patrol

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/store"
)

// AutoDispatch is who launches on nobody's request, in audit entries and events.
const AutoDispatch = "auto_dispatch"

// VerifyHover is how long a drone sent to look holds its safe point.
const VerifyHover = 60 * time.Second

// ErrNotVerifiable is an anomaly no drone can be sent to: not fire or
// smoke, or without the camera's location.
var ErrNotVerifiable = errors.New("not an anomaly a drone can verify")

// Verify sends the nearest drone of the anomaly's site that passes every
// check to look at it: airspace.VerifyRoute from its home to a safe point
// facing the anomaly's location, named verify-<anomaly id>. A refusal
// lists, per drone tried, why it could not go.
func (s *Service) Verify(ctx context.Context, p access.Principal, a store.Anomaly) (Launched, error) {
	out, err := s.verify(ctx, p, access.PermVerify, s.placed(a))
	s.stats.launch(err)
	s.announce(p.Name, a, out, err)
	return out, err
}

// placed is a with the location of its camera when it came without one:
// the inventory's, else where the camera's earlier anomalies placed it.
func (s *Service) placed(a store.Anomaly) store.Anomaly {
	if a.Geo != nil || a.Kind != bus.KindFire && a.Kind != bus.KindSmoke {
		return a
	}
	for _, c := range s.opts.Cameras(a.Site) {
		if c.ID == a.Camera && c.Location != nil {
			g := *c.Location
			a.Geo = &g
			return a
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.cameraGeo[a.Camera]; ok {
		a.Geo = &g
	}
	return a
}

// verifiable says why a cannot be verified by drone, nil when it can.
func verifiable(a store.Anomaly) error {
	if a.Kind != bus.KindFire && a.Kind != bus.KindSmoke {
		return fmt.Errorf("anomaly %s is %s: %w (only fire and smoke are)", a.ID, a.Kind, ErrNotVerifiable)
	}
	if a.Geo == nil {
		return fmt.Errorf("anomaly %s has no location: %w", a.ID, ErrNotVerifiable)
	}
	return nil
}

// verify is Verify for p holding perm (system: auto_dispatch), without the
// announcement.
func (s *Service) verify(ctx context.Context, p access.Principal, perm access.Permission, a store.Anomaly) (Launched, error) {
	if err := verifiable(a); err != nil {
		return Launched{}, err
	}
	target := airspace.Point{Lat: a.Geo.Lat, Lon: a.Geo.Lon}
	name := "verify-" + a.ID
	s.mu.Lock()
	site := s.opts.Sites[a.Site]
	if site == nil {
		s.mu.Unlock()
		return Launched{Route: name}, refusal([]Check{{Name: CheckAirspace, Reason: "no airspace configured for site " + a.Site}})
	}
	var tried []Check
	for _, id := range s.nearestLocked(a.Site, target) {
		d := s.drones[id]
		r, err := verifyRoute(site, d, target)
		var checks []Check
		if err != nil { // no route to check: the permission and why
			checks = []Check{permission(p, perm, d.tel.Site), {Name: CheckRoute, Reason: err.Error()}}
		} else {
			r.Name = name
			checks = s.checksLocked(p, perm, id, d, site, r)
		}
		if refusal(checks) == nil {
			order := bus.PatrolOrder{ID: newPatrolID(), Route: name, By: p.Name, Reason: "verify " + a.ID, Verifies: a.ID,
				Points: r.Points(), RTL: r.RTL, Target: &bus.Geo{Lat: a.Geo.Lat, Lon: a.Geo.Lon, Alt: a.Geo.Alt}}
			return s.sendLocked(ctx, id, d, order, checks)
		}
		for _, c := range checks {
			if !c.OK {
				tried = append(tried, Check{Name: c.Name, Reason: id + ": " + c.Reason})
			}
		}
	}
	s.mu.Unlock()
	if len(tried) == 0 {
		tried = []Check{{Name: airspace.CheckIdle, Reason: "no drone at site " + a.Site}}
	}
	return Launched{Route: name, Checks: tried}, refusal(tried)
}

// verifyRoute is the verification route of d to target.
func verifyRoute(site *airspace.Site, d *drone, target airspace.Point) (airspace.Route, error) {
	home := d.whereFrom()
	if home == nil {
		return airspace.Route{}, errors.New("its position is not known yet")
	}
	return airspace.VerifyRoute(site, airspace.Point{Lat: home.Lat, Lon: home.Lon}, target, VerifyHover)
}

// nearestLocked are the ids of site's drones, nearest home to target first
// (those without a known position last).
func (s *Service) nearestLocked(site string, target airspace.Point) []string {
	var ids []string
	dist := map[string]float64{}
	for id, d := range s.drones {
		if d.tel.Site != site {
			continue
		}
		ids = append(ids, id)
		dist[id] = math.Inf(1)
		if h := d.whereFrom(); h != nil {
			dist[id] = metres(h.Lat, h.Lon, target.Lat, target.Lon)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := cmp.Compare(dist[a], dist[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ids
}

// metres is the equirectangular distance between two points: site scale.
func metres(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	x := (lon2 - lon1) * rad * math.Cos((lat1+lat2)/2*rad)
	y := (lat2 - lat1) * rad
	return r * math.Hypot(x, y)
}

// announce tells the listeners that a drone was sent to look at a, or why none was.
func (s *Service) announce(by string, a store.Anomaly, out Launched, err error) {
	d := Dispatch{Anomaly: a.ID, Camera: a.Camera, Kind: a.Kind, By: by, Drone: out.Drone, Patrol: out.Patrol, Route: out.Route}
	if err != nil {
		d.Error, d.Patrol = err.Error(), ""
		var ref *Refusal
		if errors.As(err, &ref) {
			d.Checks = ref.Checks
		}
	}
	s.events.Publish(Event{Kind: EventDispatch, Site: a.Site, Dispatch: &d})
}

// OnAnomaly is the alerts listener: it learns fixed cameras' locations
// from their anomalies and, where the site's airspace has auto_dispatch
// on, sends a drone to look at a live fire or smoke start by itself (once
// per anomaly), audited as by auto_dispatch.
func (s *Service) OnAnomaly(a store.Anomaly) {
	if a.State == bus.StateStart && !a.Shadow {
		a = s.placed(a) // an inventory lookup, for fire and smoke starts without a location only
	}
	s.mu.Lock()
	_, isDrone := s.drones[a.Camera]
	if a.Geo != nil && !isDrone {
		s.cameraGeo[a.Camera] = *a.Geo
	}
	site := s.opts.Sites[a.Site]
	_, done := s.dispatched[a.ID]
	due := !s.opts.ByIncident && !done && !isDrone && site != nil && site.AutoDispatch && !a.Shadow && a.State == bus.StateStart &&
		verifiable(a) == nil && s.life.Err() == nil
	if due {
		s.remember(a.ID)
		s.work.Add(1)
	}
	s.mu.Unlock()
	if !due {
		return
	}
	go func() {
		defer s.work.Done()
		s.autoDispatch(a)
	}()
}

// DispatchIncident is auto_dispatch driven by incidents: where the site's
// airspace has auto_dispatch on, it sends a drone to look at a the first
// time it is called for incident (a fire incident gets one patrol
// however many cameras see it), audited as by auto_dispatch, and tells
// done (when set) the launch or why none went, on a goroutine of the
// service's. It returns false when it sends nothing (not due: already
// dispatched, no auto_dispatch, not a located fire or smoke start, a drone's own).
func (s *Service) DispatchIncident(incident string, a store.Anomaly, done func(Launched, error)) bool {
	if a.State == bus.StateStart && !a.Shadow {
		a = s.placed(a)
	}
	s.mu.Lock()
	_, isDrone := s.drones[a.Camera]
	site := s.opts.Sites[a.Site]
	_, did := s.dispatched[incident]
	due := !did && !isDrone && site != nil && site.AutoDispatch && !a.Shadow && a.State == bus.StateStart &&
		verifiable(a) == nil && s.life.Err() == nil
	if due {
		s.remember(incident)
		s.work.Add(1)
	}
	s.mu.Unlock()
	if !due {
		return false
	}
	go func() {
		defer s.work.Done()
		out, err := s.autoDispatch(a)
		if done != nil {
			done(out, err)
		}
	}()
	return true
}

// dispatchMemory is how long auto_dispatch remembers an anomaly it acted
// on: far longer than a fire's events last, and the map stays small.
const dispatchMemory = 24 * time.Hour

// remember notes that auto_dispatch acted on anomaly id, forgetting those
// older than dispatchMemory; the lock is held.
func (s *Service) remember(id string) {
	now := s.opts.Now()
	for old, at := range s.dispatched {
		if now.Sub(at) > dispatchMemory {
			delete(s.dispatched, old)
		}
	}
	s.dispatched[id] = now
}

// autoDispatch launches a verification flight for a and audits it.
func (s *Service) autoDispatch(a store.Anomaly) (Launched, error) {
	p := access.Principal{Name: AutoDispatch}
	out, err := s.verify(s.life, p, system, a)
	s.stats.launch(err)
	if err == nil {
		s.stats.dispatches.Add(1)
	} else {
		s.stats.noneTo.Add(1)
	}
	s.announce(AutoDispatch, a, out, err)
	e := store.AuditEntry{Time: s.opts.Now().UTC(), Who: AutoDispatch, Action: "anomaly.verify", Object: a.ID, Site: a.Site,
		Status: http.StatusAccepted, Detail: fmt.Sprintf("%s on %s: drone %s, route %s, patrol %s", a.Kind, a.Camera, out.Drone, out.Route, out.Patrol)}
	lvl := s.log.Info()
	if err != nil {
		e.Status, e.Detail, lvl = StatusOf(err), fmt.Sprintf("%s on %s: no drone sent: %v", a.Kind, a.Camera, err), s.log.Warn()
	}
	lvl.Str("anomaly", a.ID).Str("site", a.Site).Str("camera", a.Camera).Str("drone", out.Drone).Str("patrol", out.Patrol).
		AnErr("refused", err).Msg("auto_dispatch")
	if s.opts.Audit == nil {
		return out, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if aerr := s.opts.Audit.Audit(ctx, e); aerr != nil {
		s.log.Error().Err(aerr).Str("anomaly", a.ID).Msg("auto_dispatch not audited")
	}
	return out, err
}

// StatusOf is the HTTP status that answers err from Launch, Preflight,
// Abort or Verify.
func StatusOf(err error) int {
	var ref *Refusal
	switch {
	case err == nil:
		return http.StatusAccepted
	case errors.As(err, &ref) && ref.Kind == RefusedForbidden:
		return http.StatusForbidden
	case errors.As(err, &ref) && ref.Kind == RefusedConflict:
		return http.StatusConflict
	case errors.As(err, &ref), errors.Is(err, ErrNotVerifiable):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrUnknownDrone), errors.Is(err, ErrUnknownRoute):
		return http.StatusNotFound
	case errors.Is(err, ErrEdge):
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}
