package drone

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// Recaller is a Bus that reads back the drones' telemetry the broker
// retained from the edge's previous run (busclient.Client): its patrol is the
// one each drone was flying when that run stopped.
type Recaller interface {
	RecallTelemetry(ctx context.Context, drones []string, quiet time.Duration) (map[string]bus.DroneTelemetry, error)
}

// recall finds, once at the start, the patrols an earlier run of the edge
// left flying, and follows each on; the drones take launches once it is
// done. Without a Recaller the vehicles alone say what flies: a drone
// armed outside a patrol refuses launches.
func (m *Manager) recall() {
	rc, ok := m.o.Bus.(Recaller)
	if !ok {
		for _, u := range m.units {
			u.resume(nil)
		}
		return
	}
	m.spawn(func() {
		ctx, cancel := context.WithTimeout(m.ctx, m.o.RecallWait)
		got, err := rc.RecallTelemetry(ctx, m.ids, min(time.Second, m.o.RecallWait/4))
		cancel()
		if err != nil && m.ctx.Err() == nil {
			m.o.Log.Warn().Err(err).Msg("drones: the patrols flying before this start are not known; a drone found armed refuses launches until it lands")
		}
		for _, id := range m.ids {
			var prev *bus.PatrolStatus
			if t, ok := got[id]; ok && t.Patrol != nil {
				p := *t.Patrol
				prev = &p
			}
			m.units[id].resume(prev)
		}
	})
}

// resume takes up prev, the patrol the drone was flying when the edge
// last stopped: an ended one is only shown; one under way is the drone's
// flight again (a launch is refused while it lasts) and is followed on to
// its end. Then the drone takes launches and publishes its telemetry.
func (u *unit) resume(prev *bus.PatrolStatus) {
	if prev == nil || bus.PatrolEnded(prev.State) {
		u.mu.Lock()
		u.last = prev
		u.mu.Unlock()
		close(u.recalled)
		u.kick()
		return
	}
	// RTL until the mission read back says otherwise: the watch then
	// waits for the landing, never ends a patrol early.
	o := bus.PatrolOrder{ID: prev.ID, Route: prev.Route, Reason: "resumed", Verifies: prev.Verifies, RTL: true}
	f := u.newFlight(o, *prev)
	u.mu.Lock()
	u.flight, u.last = f, prev
	u.verifyFrom(f)
	u.m.stats.resume()
	u.m.launched.put(prev.ID, prev.State)
	u.mu.Unlock()
	close(u.recalled)
	u.kick()
	u.log.Info().Str("patrol", prev.ID).Str("route", prev.Route).Str("state", prev.State).Int("waypoint", prev.Waypoint).
		Int("of", prev.Of).Msg("patrol under way before the edge started: following it on")
	if !u.m.spawn(func() { state, reason := u.followOn(f); u.end(f, state, reason) }) {
		u.leave(f, "the edge is stopping")
	}
}

// followOn follows a patrol an earlier run of the edge launched, from
// what the vehicle says now: armed, it is watched as any flight (its
// mission read back for the waypoints' seqs, its current item for where
// it is); on the ground, it landed while the edge was away.
func (u *unit) followOn(f *flight) (string, string) {
	prev := f.status
	if prev.Reason == reasonAborted {
		f.once.Do(func() { close(f.aborted) }) // aborted before: an abort stays one (and RTL is asked again)
	}
	events, stop := u.v.Events()
	defer stop()
	st, up := u.linkBack()
	switch {
	case u.m.ctx.Err() != nil:
		return "", "the edge stopped while the drone's link was awaited"
	case !up:
		return bus.PatrolFailed, fmt.Sprintf("the edge restarted during the patrol and the drone's link did not come back within %s; its autopilot's failsafe brings it home", u.m.o.LinkLostLimit)
	}
	begun := prev.State != bus.PatrolAccepted && prev.State != bus.PatrolUploading
	if !begun && !st.Armed {
		u.clear()
		return bus.PatrolFailed, "the edge restarted during the upload; the drone stayed on the ground, its mission cleared"
	}
	// The mission is read back beside the watch: a router may route the
	// vehicle's answers to the edge's previous link for a while (mavp2p
	// does for 30 s), so it may take several tries.
	mission := make(chan []mavlink.Item, 1)
	ctx, cancel := context.WithCancel(u.m.ctx)
	defer cancel()
	u.m.spawn(func() { u.readMission(ctx, f.order.ID, mission) })
	w := &watcher{u: u, f: f, n: f.status.Of, since: time.Now(), wp: prev.Waypoint, airborne: true, mission: mission,
		returning: prev.State == bus.PatrolReturning || prev.State == bus.PatrolLanded,
		done:      prev.Reason == reasonRouteDone || prev.Reason == reasonPastLast,
		tookOff:   prev.Waypoint > 1 || st.AltRel > 2}
	if strings.Contains(prev.Reason, "failsafe") {
		w.failsafe = prev.Reason // the autopilot took over before the restart: its words end the patrol
	}
	if st.Armed {
		if returningMode(st.Mode) {
			w.back("mode " + st.Mode)
		}
		return w.follow(events)
	}
	// Landed meanwhile: where its mission got to says whether the route
	// was flown, once read (bounded).
	select {
	case items := <-mission:
		w.takeMission(items)
	case <-time.After(u.m.o.Step):
	case <-u.m.ctx.Done():
		return "", "the edge stopped while the mission was read back"
	}
	if prev.State != bus.PatrolLanded {
		u.progress(f, bus.PatrolLanded, "")
	}
	return w.landedAway()
}

// linkBack waits for the drone's link and its first MISSION_CURRENT
// (where it is in its mission), each bounded: LinkLostLimit for the link,
// as in flight, then a second for the mission's state; up is false when
// the link did not come.
func (u *unit) linkBack() (mavlink.State, bool) {
	poll := time.NewTicker(u.m.o.Poll)
	defer poll.Stop()
	linkBy := time.Now().Add(u.m.o.LinkLostLimit)
	var missionBy time.Time
	for {
		st := u.v.State()
		now := time.Now()
		if st.Link == bus.LinkUp && missionBy.IsZero() {
			missionBy = now.Add(time.Second)
		}
		switch {
		case !missionBy.IsZero() && (st.MissionCount > 0 || now.After(missionBy)):
			return st, true
		case missionBy.IsZero() && now.After(linkBy):
			return st, false
		}
		select {
		case <-u.m.ctx.Done():
			return st, false
		case <-poll.C:
		}
	}
}

// readMission reads the vehicle's mission back until it reads or ctx
// ends, and hands it over on out.
func (u *unit) readMission(ctx context.Context, patrol string, out chan<- []mavlink.Item) {
	for try := 1; ; try++ {
		step, cancel := context.WithTimeout(ctx, u.m.o.Step)
		items, err := u.v.Download(step, mavlink.Mission)
		cancel()
		if err == nil {
			out <- items
			return
		}
		if ctx.Err() != nil {
			return
		}
		u.log.Warn().Err(err).Int("try", try).Str("patrol", patrol).Msg("mission not read back; trying again")
		select {
		case <-ctx.Done():
			return
		case <-time.After(u.m.o.Poll):
		}
	}
}

// takeMission applies the mission read back: the waypoints' seqs, the
// RTL at its end, and where the vehicle is in it now. A mission that is
// not the patrol's (another count of waypoints) leaves the waypoints
// unreported and the watch waiting for the landing.
func (w *watcher) takeMission(items []mavlink.Item) {
	u, f := w.u, w.f
	seqs := mavlink.WaypointSeqs(items)
	if w.n > 0 && len(seqs) != w.n {
		u.log.Warn().Str("patrol", f.order.ID).Int("waypoints", len(seqs)).Int("of", w.n).
			Msg("the vehicle's mission is not the patrol's: its waypoints go unreported")
		return
	}
	f.items, f.seqs, f.order.RTL = items, seqs, mavlink.EndsWithRTL(items)
	w.n = len(seqs)
	u.mu.Lock()
	f.status.Of = w.n
	u.mu.Unlock()
	w.current(u.v.State().MissionCurrent)
}

// landedAway is how a patrol ended that landed while the edge was away.
func (w *watcher) landedAway() (string, string) {
	switch {
	case w.f.isAborted():
		return bus.PatrolAborted, fmt.Sprintf("aborted at waypoint %d of %d; the drone came home and landed while the edge restarted", w.wp, w.n)
	case w.done:
		return bus.PatrolCompleted, "the route was flown; the drone landed while the edge restarted"
	case w.failsafe != "":
		return bus.PatrolFailed, w.failsafe + "; the drone landed while the edge restarted"
	}
	return bus.PatrolFailed, fmt.Sprintf("the drone landed while the edge restarted, last seen at waypoint %d of %d: how the flight ended was not seen", w.wp, w.n)
}
