package drone

import (
	"context"
	"fmt"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// telemetry publishes the drone's retained telemetry every TelemetryEvery,
// and at once when its link, state, mode, arming or patrol changes; it
// records each new position in the history. It returns when ctx ends.
//
// A period's sample goes out with the first new position after the tick
// (a console then gets a position a few milliseconds old, not one up to a
// stream period old, 200 ms at 5 Hz), or at the next tick when none came.
func (u *unit) telemetry(ctx context.Context) {
	tick := time.NewTicker(u.m.o.TelemetryEvery)
	defer tick.Stop()
	var last sample     // the last position recorded
	var dueAt time.Time // when a period's sample became owed; zero when none is
	sent := false       // a first sample went out since the recall
	for {
		periodic := false
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			periodic = !dueAt.IsZero() // a whole period without a new position: send what there is
			dueAt = now
		case <-u.wake:
		}
		st := u.v.State()
		if !dueAt.IsZero() && st.PositionAt.After(dueAt) {
			periodic = true
		}
		if g := (bus.Geo{Lat: st.Lat, Lon: st.Lon, Alt: st.AltMSL}); hasPosition(st) && st.Updated.After(last.at) &&
			(g != last.geo || st.Updated.Sub(last.at) >= u.m.o.TelemetryEvery) {
			// A new position, or the same one a while later (a drone
			// holding still is still there): the state's time is when
			// its last message arrived.
			last = sample{at: st.Updated, geo: g}
			u.hist.add(last.at, last.geo)
		}
		t, changed := u.observe(st)
		select {
		case <-u.recalled:
		default:
			continue // the retained sample, with the patrol under way, is read back first
		}
		if !sent {
			periodic, sent = true, true
		}
		if periodic || changed {
			if periodic {
				dueAt = time.Time{}
			}
			if err := u.m.o.Bus.PublishTelemetry(t); err != nil {
				u.log.Warn().Err(err).Msg("telemetry not published")
			}
		}
	}
}

// observe makes the drone's telemetry from the vehicle's state, stores it
// and reports whether what a pilot watches at a glance changed.
func (u *unit) observe(st mavlink.State) (bus.DroneTelemetry, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t := bus.DroneTelemetry{
		Drone: u.cfg.ID, Site: u.cfg.Site, Edge: u.m.o.Edge, State: droneState(st, u.flight),
		Link: st.Link, Mode: st.Mode, Armed: st.Armed, Status: st.Status,
		Battery: bus.DroneBattery{Percent: st.BatteryPercent, Voltage: st.Voltage},
		GPSFix:  st.GPSFix, Speed: st.Speed, Message: st.Text, Time: bus.Now(),
		MaxSpeed: u.cfg.MaxSpeed, Endurance: u.cfg.Endurance.D().Seconds(),
	}
	if !st.Updated.IsZero() {
		// The time of what it says: when the vehicle's latest message
		// arrived, so a receiver sees how old the data is, not when the
		// 2 Hz tick happened to carry it.
		t.Time = bus.At(st.Updated)
	}
	if hasPosition(st) {
		t.Position = &bus.DronePos{Lat: st.Lat, Lon: st.Lon, Alt: st.AltRel, AltMSL: st.AltMSL, Heading: st.Heading}
	}
	if u.last != nil {
		p := *u.last
		t.Patrol = &p
	}
	old := u.tel
	changed := old.Link != t.Link || old.State != t.State || old.Mode != t.Mode || old.Armed != t.Armed ||
		patrolState(old.Patrol) != patrolState(t.Patrol)
	u.tel = t
	return t, changed
}

// patrolChanged publishes the telemetry at once after a patrol's state
// changed, so the console's view follows the progress events.
func (u *unit) patrolChanged() { u.kick() }

// droneState is the drone's state at a glance.
func droneState(st mavlink.State, f *flight) string {
	switch {
	case st.Link != bus.LinkUp:
		return bus.DroneOffline
	case returningMode(st.Mode) && st.Armed:
		return bus.DroneReturning
	case f != nil:
		return bus.DronePatrol
	case st.Armed:
		return bus.DroneFlying
	}
	return bus.DroneIdle
}

// returningMode tells the ArduCopter modes that bring a drone down or home.
func returningMode(mode string) bool {
	switch mode {
	case "RTL", "SMART_RTL", "LAND":
		return true
	}
	return false
}

// hasPosition tells whether the vehicle sent a position yet: (0, 0) is in
// the Gulf of Guinea, where no Argus drone flies.
func hasPosition(st mavlink.State) bool { return st.Lat != 0 || st.Lon != 0 }

func patrolState(p *bus.PatrolStatus) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%s/%s/%d", p.ID, p.State, p.Waypoint)
}
