package drone

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// start arms the drone, switches it to AUTO and starts the mission. armed
// tells whether the arming went through, whatever came after.
func (u *unit) start(f *flight) (armed bool, err error) {
	step := func(name string, do func(context.Context) error) error {
		ctx, cancel := context.WithTimeout(f.ctx, u.m.o.Step)
		defer cancel()
		if err := do(ctx); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	if err := step("arm", u.v.Arm); err != nil {
		return false, err
	}
	if err := step("mode AUTO", func(ctx context.Context) error { return u.v.SetMode(ctx, "AUTO") }); err != nil {
		return true, err
	}
	return true, step("mission start", u.v.StartMission)
}

// disarm disarms a drone armed on the ground whose start failed; it
// reports whether the vehicle accepted (it refuses once flying).
func (u *unit) disarm() bool {
	ctx, cancel := context.WithTimeout(u.m.ctx, u.m.o.Step)
	defer cancel()
	if err := u.v.Disarm(ctx); err != nil {
		u.log.Warn().Err(err).Msg("disarm after a failed start refused: bringing the drone home")
		return false
	}
	return true
}

// watch follows a started patrol until the drone lands (or, without RTL
// at the end, reaches its last waypoint), publishing waypoint, returning
// and landed; it brings the drone home on abort, on a failed start, and
// when the flight outlasts its bound. Every wait is bounded: a link lost
// for LinkLostLimit or a flight beyond FlightLimit ends the patrol.
func (u *unit) watch(f *flight, events <-chan mavlink.Event, startErr error) (string, string) {
	// The start armed the drone (COMMAND_ACK); a heartbeat after the
	// start that says disarmed is a landing, even one too quick for a poll
	// to have seen the drone armed (an abort right after the take-off).
	w := &watcher{u: u, f: f, n: f.status.Of, since: time.Now(), armed: startErr == nil}
	if startErr != nil {
		w.failure = "start: " + startErr.Error()
		w.home("start failed")
	}
	return w.follow(events)
}

// follow is the watch's loop; "" when the edge stops first (the patrol is
// left to the autopilot, and to the edge's next start).
func (w *watcher) follow(events <-chan mavlink.Event) (string, string) {
	u, f := w.u, w.f
	poll := time.NewTicker(u.m.o.Poll)
	defer poll.Stop()
	limit := time.NewTimer(u.flightLimit())
	defer limit.Stop()
	aborted := f.aborted
	for {
		select {
		case <-u.m.ctx.Done():
			return "", "the edge stopped while the drone flew; the autopilot flies on"
		case <-aborted:
			aborted = nil // seen; the abort is carried out once
			w.home(reasonAborted)
		case ev, ok := <-events:
			if !ok {
				return bus.PatrolFailed, "the MAVLink node closed while the drone flew"
			}
			w.event(ev)
		case items := <-w.mission:
			w.mission = nil
			w.takeMission(items)
		case <-limit.C:
			w.home("flight limit")
			return bus.PatrolFailed, fmt.Sprintf("not landed within %s of the start; sent home", u.flightLimit())
		case now := <-poll.C:
			if state, reason, done := w.look(now); done {
				return state, reason
			}
		}
		if w.done && !f.order.RTL && !f.isAborted() {
			return bus.PatrolCompleted, "last waypoint reached; the drone holds there (the route has no RTL)"
		}
	}
}

// Why a drone turns home, as returning says it; an edge restarted
// mid-patrol reads an abort back from it.
const (
	reasonAborted   = "aborted"
	reasonRouteDone = "route done"
	reasonPastLast  = "past the last waypoint"
)

// flightLimit bounds a patrol from its start to the landing.
func (u *unit) flightLimit() time.Duration {
	if u.m.o.FlightLimit > 0 {
		return u.m.o.FlightLimit
	}
	e := u.cfg.Endurance.D()
	if e <= 0 {
		e = 20 * time.Minute
	}
	return e + 5*time.Minute
}

// watcher is a started patrol's view of its drone.
type watcher struct {
	u     *unit
	f     *flight
	n     int       // waypoints
	since time.Time // when the watch began

	wp        int  // the waypoint last published
	done      bool // the last waypoint was reached
	returning bool // returning was published
	airborne  bool // the drone was seen armed
	armed     bool // the start armed it (acknowledged)
	tookOff   bool // the take-off item was reached
	// mission brings the mission read back, for a patrol followed on
	// after a restart; nil otherwise.
	mission   <-chan []mavlink.Item
	lostSince time.Time // when the link went, zero while up
	failsafe  string    // what the autopilot said when it took over
	failure   string    // why the patrol failed, when it did
	rtlSent   bool      // our RTL was acknowledged
	rtlAt     time.Time // when RTL was last tried
}

// event applies one vehicle event.
func (w *watcher) event(ev mavlink.Event) {
	switch e := ev.(type) {
	case mavlink.MissionCurrent:
		w.current(e.Seq)
	case mavlink.ItemReached:
		if e.Seq >= 1 {
			w.tookOff = true // item 1 is the take-off
		}
		for i, s := range w.f.seqs {
			if s == e.Seq {
				w.waypoint(i + 1)
				if i+1 == w.n {
					w.done = true
					if w.f.order.RTL {
						w.back(reasonRouteDone)
					}
				}
			}
		}
	case mavlink.StatusText:
		if r := failsafeReason(e.Text); r != "" && w.failsafe == "" {
			w.failsafe = r
			w.u.log.Warn().Str("patrol", w.f.order.ID).Str("text", e.Text).Msg("autopilot failsafe")
			// The autopilot takes the drone home (or down) now; its mode
			// shows it only at the next heartbeat, a second later.
			w.back(r)
		}
	}
}

// current applies the mission item the vehicle heads for: its waypoint,
// or past the last one, the way home.
func (w *watcher) current(seq int) {
	if len(w.f.seqs) == 0 {
		// Not read back yet: an Argus mission's last item is its RTL,
		// and MISSION_CURRENT's total says which that is.
		if n := w.u.v.State().MissionCount; w.f.order.RTL && n > 2 && seq == n-1 {
			w.pastLast()
		}
		return
	}
	if seq > 1 {
		w.tookOff = true
	}
	if k := w.headedFor(seq); k > w.n {
		w.pastLast()
	} else {
		w.waypoint(k)
	}
}

// pastLast notes the vehicle headed past the last waypoint: that one was
// reached (published now if it was not, as when the edge was away at
// that moment) and the drone is on its way home.
func (w *watcher) pastLast() {
	w.waypoint(w.n)
	w.done = true
	w.back(reasonPastLast)
}

// look checks the drone's state; done when the patrol is over.
func (w *watcher) look(now time.Time) (state, reason string, done bool) {
	st := w.u.v.State()
	if st.Link != bus.LinkUp {
		if w.lostSince.IsZero() {
			w.lostSince = now
		}
		if lost := now.Sub(w.lostSince); lost >= w.u.m.o.LinkLostLimit {
			return bus.PatrolFailed, fmt.Sprintf("link lost for %s in flight at waypoint %d of %d; the autopilot's failsafe brings the drone home",
				lost.Round(time.Second), w.wp, w.n), true
		}
		return "", "", false
	}
	w.lostSince = time.Time{}
	if st.Armed {
		w.airborne = true
		if returningMode(st.Mode) {
			w.back("mode " + st.Mode)
		}
	}
	if w.f.isAborted() && !w.rtlSent && now.Sub(w.rtlAt) > 2*time.Second {
		w.home("abort, again") // the first RTL found no answer
	}
	if !w.airborne && !w.armed && now.Sub(w.since) > w.u.m.o.Step {
		// Started, yet never seen armed: the autopilot never armed.
		if w.f.isAborted() {
			return bus.PatrolAborted, "aborted before take-off; the drone stayed on the ground", true
		}
		return bus.PatrolFailed, fmt.Sprintf("the drone was not seen armed within %s of the start (mode %s): %s", w.u.m.o.Step, st.Mode, st.Text), true
	}
	if st.Armed || !w.airborne && !st.LastHeartbeat.After(w.since) {
		return "", "", false // flying, or no heartbeat yet since the start: armed as far as is known
	}
	w.u.progress(w.f, bus.PatrolLanded, "")
	state, reason = w.outcome()
	return state, reason, true
}

// outcome is how a landed patrol ended.
func (w *watcher) outcome() (string, string) {
	switch {
	case w.f.isAborted() && !w.tookOff:
		return bus.PatrolAborted, "aborted during the take-off; the drone came back down at home and is landed"
	case w.f.isAborted():
		return bus.PatrolAborted, fmt.Sprintf("aborted at waypoint %d of %d; the drone is home and landed", w.wp, w.n)
	case w.failure != "":
		return bus.PatrolFailed, w.failure
	case w.done:
		return bus.PatrolCompleted, ""
	case w.failsafe != "":
		return bus.PatrolFailed, w.failsafe
	case !w.airborne && !w.tookOff:
		return bus.PatrolFailed, fmt.Sprintf("the drone disarmed right after the start without taking off (mode %s): %s", w.u.v.State().Mode, w.u.v.State().Text)
	}
	return bus.PatrolFailed, fmt.Sprintf("landed at waypoint %d of %d before the route's end", w.wp, w.n)
}

// home sends the drone home with RTL, bounded; returning follows once the
// vehicle acknowledged it.
func (w *watcher) home(why string) {
	w.rtlAt = time.Now()
	ctx, cancel := context.WithTimeout(w.u.m.ctx, w.u.m.o.Step)
	defer cancel()
	if err := w.u.v.ReturnToLaunch(ctx); err != nil {
		w.u.log.Error().Err(err).Str("patrol", w.f.order.ID).Str("why", why).Msg("RTL not acknowledged; trying again")
		return
	}
	w.rtlSent = true
	w.back(why)
}

// back publishes returning, once.
func (w *watcher) back(why string) {
	if w.returning {
		return
	}
	w.returning = true
	w.u.log.Info().Str("patrol", w.f.order.ID).Str("why", why).Msg("returning")
	w.u.progress(w.f, bus.PatrolReturning, why)
}

// waypoint publishes waypoint k of n when it is further than the last one.
func (w *watcher) waypoint(k int) {
	if k <= w.wp || k > w.n || w.returning {
		return
	}
	w.wp = k
	w.u.mu.Lock()
	w.f.status.Waypoint = k
	w.u.mu.Unlock()
	w.u.progress(w.f, bus.PatrolWaypoint, "")
}

// headedFor is the waypoint (1-based) a mission seq belongs to: the first
// waypoint at or after it; n+1 past the last.
func (w *watcher) headedFor(seq int) int {
	for i, s := range w.f.seqs {
		if seq <= s {
			return i + 1
		}
	}
	return w.n + 1
}

// failsafeReason is why the autopilot took over, from its STATUSTEXT, or
// "" when the text is not a failsafe.
func failsafeReason(text string) string {
	t := strings.ToLower(text)
	switch {
	case strings.HasPrefix(t, "battery failsafe"):
		return "battery failsafe" + strings.TrimLeft(text[len("battery failsafe"):], " ")
	case strings.Contains(t, "battery"):
		return "battery failsafe: " + text
	case strings.Contains(t, "failsafe"), strings.Contains(t, "fence"):
		return "failsafe: " + text
	}
	return ""
}
