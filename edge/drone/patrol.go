package drone

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// flight is one patrol under way on a unit.
type flight struct {
	order  bus.PatrolOrder
	route  airspace.Route
	status bus.PatrolStatus // under the unit's mu

	// ctx ends on abort or when the Manager closes: it cancels the step
	// in progress (an upload, a command) at once.
	ctx     context.Context
	cancel  context.CancelFunc
	aborted chan struct{} // closed by abort
	once    sync.Once

	items []mavlink.Item // the mission uploaded
	seqs  []int          // the mission seq of each waypoint, in order
}

// abort marks the flight aborted and cancels its step in progress.
func (f *flight) abort() {
	f.once.Do(func() {
		close(f.aborted)
		f.cancel()
	})
}

// isAborted tells whether the pilot aborted the flight.
func (f *flight) isAborted() bool {
	select {
	case <-f.aborted:
		return true
	default:
		return false
	}
}

// launch accepts a patrol and starts flying it, or refuses it (by the
// returned error, which the reply carries): an order without points, or
// a drone already flying one.
func (u *unit) launch(o *bus.PatrolOrder) error {
	if o == nil || o.ID == "" {
		return fmt.Errorf("drone %s: patrol_launch without a patrol (id and points)", u.cfg.ID)
	}
	if len(o.Points) == 0 {
		err := fmt.Errorf("drone %s: patrol %s: route %q has no points", u.cfg.ID, o.ID, o.Route)
		u.refuse(*o, err.Error())
		return err
	}
	u.mu.Lock()
	if cur := u.flight; cur != nil && cur.order.ID == o.ID {
		u.mu.Unlock()
		return nil // the same launch again (a QoS 1 redelivery): it flies already
	}
	if state, seen := u.m.launched.get(o.ID); seen {
		u.mu.Unlock()
		return fmt.Errorf("drone %s: patrol %s was launched already (%s); a new launch needs a new id", u.cfg.ID, o.ID, state)
	}
	if cur := u.flight; cur != nil {
		u.mu.Unlock()
		err := fmt.Errorf("drone %s is flying patrol %s", u.cfg.ID, cur.order.ID)
		u.refuse(*o, err.Error())
		return err
	}
	if err := u.grounded(); err != nil {
		u.mu.Unlock()
		u.refuse(*o, err.Error())
		return err
	}
	f := u.newFlight(*o, bus.PatrolStatus{ID: o.ID, Route: o.Route, Of: len(o.Points), Verifies: o.Verifies})
	u.flight = f
	u.verifyFrom(f)
	u.m.launched.put(o.ID, bus.PatrolAccepted)
	u.progressLocked(f, bus.PatrolAccepted, "")
	u.mu.Unlock()
	u.log.Info().Str("patrol", o.ID).Str("route", o.Route).Str("by", o.By).Str("reason", o.Reason).
		Int("points", len(o.Points)).Msg("patrol accepted")
	if !u.m.spawn(func() { u.fly(f) }) {
		u.end(f, bus.PatrolFailed, "the edge is stopping")
		return fmt.Errorf("drone %s: the edge is stopping", u.cfg.ID)
	}
	return nil
}

// newFlight is a flight of o standing at status, not yet under way.
func (u *unit) newFlight(o bus.PatrolOrder, status bus.PatrolStatus) *flight {
	ctx, cancel := context.WithCancel(u.m.ctx)
	return &flight{order: o, route: airspace.RouteFromPoints(o.Route, o.Points, o.RTL), status: status,
		ctx: ctx, cancel: cancel, aborted: make(chan struct{})}
}

// grounded refuses a launch while the edge has not yet found out what
// the drone was doing when it started (a patrol from before a restart
// may be under way), or while the drone is armed outside a patrol; u.mu
// is held.
func (u *unit) grounded() error {
	select {
	case <-u.recalled:
	default:
		return fmt.Errorf("drone %s: the edge has just started and is still finding out whether the drone flies a patrol from before; try again in a few seconds", u.cfg.ID)
	}
	if st := u.v.State(); st.Armed {
		return fmt.Errorf("drone %s is airborne (armed, mode %s) outside any patrol this edge follows", u.cfg.ID, st.Mode)
	}
	return nil
}

// refuse records a launch refused before it was accepted. It goes by
// reply only: a patrol id appears on the drone's patrols topic once
// accepted, so a refused second launch never shows over the one flying.
func (u *unit) refuse(o bus.PatrolOrder, reason string) {
	if o.ID != "" {
		u.m.launched.put(o.ID, bus.PatrolRefused)
	}
	u.m.stats.ended(bus.PatrolRefused)
	u.log.Warn().Str("patrol", o.ID).Str("route", o.Route).Str("reason", reason).Msg("patrol refused")
}

// abort brings the drone home: the patrol under way is aborted whatever
// its step; without one, an armed drone is sent home all the same.
func (u *unit) abort() error {
	if f := u.busy(); f != nil {
		u.log.Warn().Str("patrol", f.order.ID).Msg("patrol abort asked")
		f.abort()
		return nil
	}
	if !u.v.State().Armed {
		return fmt.Errorf("drone %s is flying no patrol and is on the ground", u.cfg.ID)
	}
	u.m.spawn(func() {
		ctx, cancel := context.WithTimeout(u.m.ctx, u.m.o.Step)
		defer cancel()
		if err := u.v.ReturnToLaunch(ctx); err != nil {
			u.log.Error().Err(err).Msg("abort outside a patrol: RTL not acknowledged")
		}
	})
	return nil
}

// fly runs a patrol from the pre-flight to its end.
func (u *unit) fly(f *flight) {
	state, reason := u.patrol(f)
	u.end(f, state, reason)
}

// leave frees the drone of a patrol the edge stops following while the
// drone flies it: no end is published, so that the retained telemetry
// still says the patrol is under way and the edge's next start (New)
// follows it on to its end.
func (u *unit) leave(f *flight, why string) {
	u.mu.Lock()
	if u.flight == f {
		u.flight = nil
	}
	u.verifyTo(f)
	u.mu.Unlock()
	f.cancel()
	u.log.Warn().Str("patrol", f.order.ID).Str("state", f.status.State).Int("waypoint", f.status.Waypoint).Int("of", f.status.Of).
		Str("why", why).Msg("patrol left to the autopilot; the edge's next start follows it on")
}

// patrol flies f and returns how it ended and why.
func (u *unit) patrol(f *flight) (string, string) {
	site, err := u.site()
	if err != nil {
		return bus.PatrolRefused, err.Error()
	}
	if f.isAborted() {
		return bus.PatrolAborted, "aborted before the upload: nothing was sent to the drone"
	}
	st := u.v.State()
	if failed := airspace.Failed(airspace.Preflight(site, f.route, u.preflightDrone(st))); len(failed) > 0 {
		return bus.PatrolRefused, reasons(failed)
	}
	u.progress(f, bus.PatrolUploading, "")
	if err := u.upload(f, site, st); err != nil {
		return u.notFlown(f, "upload", err)
	}
	events, stop := u.v.Events()
	defer stop()
	armed, err := u.start(f)
	switch {
	case err == nil:
		u.progress(f, bus.PatrolStarted, "")
	case !armed || u.disarm():
		return u.notFlown(f, "start", err)
	}
	return u.watch(f, events, err)
}

// notFlown ends a patrol whose drone stayed on the ground: the mission is
// cleared, so no half mission stays on the vehicle for someone to arm.
func (u *unit) notFlown(f *flight, step string, err error) (string, string) {
	u.clear()
	if f.isAborted() {
		return bus.PatrolAborted, fmt.Sprintf("aborted during the %s: the drone stayed on the ground, its mission cleared", step)
	}
	if errors.Is(err, context.Canceled) && u.m.ctx.Err() != nil {
		return bus.PatrolFailed, fmt.Sprintf("the edge stopped during the %s", step)
	}
	if st := u.v.State(); st.Link != bus.LinkUp {
		return bus.PatrolFailed, fmt.Sprintf("link lost during the %s: %v", step, err)
	}
	return bus.PatrolFailed, fmt.Sprintf("%s: %v", step, err)
}

// preflightDrone is the drone as the pre-flight checks see it now.
func (u *unit) preflightDrone(st mavlink.State) airspace.Drone {
	h := u.home(st)
	return airspace.Drone{
		ID: u.cfg.ID, Site: u.cfg.Site, Home: airspace.Point{Lat: h.Lat, Lon: h.Lon},
		MaxSpeed: u.cfg.MaxSpeed, Endurance: u.cfg.Endurance.D(),
		LinkUp: st.Link == bus.LinkUp, GPSFix: st.GPSFix, Idle: !st.Armed, Battery: st.BatteryPercent,
	}
}

// reasons joins the failed checks' reasons, as a refusal carries them.
func reasons(failed []airspace.Check) string {
	rs := make([]string, len(failed))
	for i, c := range failed {
		rs[i] = c.Reason
	}
	return strings.Join(rs, "; ")
}

// progress records and publishes a patrol's new state.
func (u *unit) progress(f *flight, state, reason string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.progressLocked(f, state, reason)
}

// progressLocked is progress with u.mu held: the event is queued on disk
// before anyone can see the unit's new state.
func (u *unit) progressLocked(f *flight, state, reason string) {
	f.status.State = state
	if reason != "" || state != bus.PatrolLanded {
		f.status.Reason = reason // landed keeps why the drone came home
	}
	s := f.status
	u.last = &s
	p := bus.PatrolProgress{ID: s.ID, Drone: u.cfg.ID, Site: u.cfg.Site, Edge: u.m.o.Edge, Route: s.Route,
		State: state, Waypoint: s.Waypoint, Of: s.Of, Reason: reason, Time: bus.Now()}
	if err := u.m.o.Bus.PublishPatrol(p); err != nil {
		u.log.Error().Err(err).Str("patrol", s.ID).Str("state", state).Msg("patrol progress not queued")
	}
	ev := u.log.Info()
	if state == bus.PatrolFailed || state == bus.PatrolRefused {
		ev = u.log.Warn()
	}
	ev.Str("patrol", s.ID).Str("state", state).Int("waypoint", s.Waypoint).Int("of", s.Of).Str("reason", reason).Msg("patrol")
	u.patrolChanged()
}

// end publishes a patrol's last state and frees the drone, in one step:
// a launch that sees the patrol ended finds the drone free.
func (u *unit) end(f *flight, state, reason string) {
	if state == "" {
		u.leave(f, reason)
		return
	}
	u.mu.Lock()
	u.progressLocked(f, state, reason)
	if u.flight == f {
		u.flight = nil
	}
	u.verifyTo(f)
	u.m.launched.put(f.order.ID, state)
	u.mu.Unlock()
	f.cancel()
	u.m.stats.ended(state)
}
