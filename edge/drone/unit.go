package drone

import (
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// unit is one drone: its vehicle on the node, its telemetry and its
// patrol, at most one at a time.
type unit struct {
	m    *Manager
	cfg  configs.Drone
	v    *mavlink.Vehicle
	log  zerolog.Logger
	hist *history
	wake chan struct{} // capacity 1: the vehicle's state changed
	// recalled is closed once the edge knows whether the drone flies a
	// patrol from before its start (resume); until then no launch is
	// taken and no telemetry published over the retained one.
	recalled chan struct{}

	mu     sync.Mutex
	flight *flight            // the patrol under way, nil when none
	last   *bus.PatrolStatus  // the current or last patrol
	tel    bus.DroneTelemetry // the last telemetry published
	spans  []span             // the last flights sent to verify a camera anomaly, oldest first
}

func newUnit(m *Manager, d configs.Drone, v *mavlink.Vehicle) *unit {
	return &unit{
		m: m, cfg: d, v: v, wake: make(chan struct{}, 1), recalled: make(chan struct{}),
		log: m.o.Log.With().Str("drone", d.ID).Str("site", d.Site).Logger(),
		// 10 Hz telemetry for two minutes; a frame is placed from a sample
		// at most two seconds away.
		hist: newHistory(1200, 2*time.Second),
		tel: bus.DroneTelemetry{Drone: d.ID, Site: d.Site, Edge: m.o.Edge, State: bus.DroneOffline, Link: bus.LinkNone, Battery: bus.DroneBattery{Percent: -1},
			MaxSpeed: d.MaxSpeed, Endurance: d.Endurance.D().Seconds()},
	}
}

// kick tells the telemetry loop the vehicle's state changed; it never
// blocks (the node's callback goroutine calls it).
func (u *unit) kick() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// site is the drone's site's airspace as it is now.
func (u *unit) site() (*airspace.Site, error) {
	if f := u.m.o.Airspace; f != nil {
		s, err := f(u.cfg.Site)
		if err != nil {
			return nil, fmt.Errorf("site %s airspace: %w", u.cfg.Site, err)
		}
		return s, nil
	}
	if s := u.m.o.Sites[u.cfg.Site]; s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("edge %s has no airspace for site %s", u.m.o.Edge, u.cfg.Site)
}

// home is the drone's take-off point: the configured one, else where
// the drone is now.
func (u *unit) home(st mavlink.State) mavlink.Point {
	if h := u.cfg.Home; h != nil {
		return mavlink.Point{Lat: h.Lat, Lon: h.Lon, Alt: h.Alt}
	}
	return mavlink.Point{Lat: st.Lat, Lon: st.Lon, Alt: st.AltMSL}
}

// busy returns the patrol under way, nil when none.
func (u *unit) busy() *flight {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.flight
}

// snapshot is the last telemetry published.
func (u *unit) snapshot() bus.DroneTelemetry {
	u.mu.Lock()
	defer u.mu.Unlock()
	t := u.tel
	if u.last != nil {
		p := *u.last
		t.Patrol = &p
	}
	return t
}
