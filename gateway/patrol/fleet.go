package patrol

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// drone is what the service knows of one drone. The Service's lock guards it.
type drone struct {
	tel      bus.DroneTelemetry
	home     *bus.Geo          // where it took off, or stands: the first position seen disarmed
	grounded bool              // disarmed at the last sample: the next arming leaves home
	patrol   *bus.PatrolStatus // the current or last patrol
	next     time.Time         // when listeners are due its telemetry again
}

// busy reports whether the drone is flying or has a patrol under way
// (launched and not ended, even before its telemetry says so).
func (d *drone) busy() bool {
	return d.tel.State != bus.DroneIdle || d.patrol != nil && !bus.PatrolEnded(d.patrol.State)
}

// telemetry records one drone's telemetry (an empty payload, its retained
// telemetry cleared, forgets it) and tells the listeners at most every
// TelemetryEvery, at once when its state, link, arming, mode or patrol changes.
func (s *Service) telemetry(id string, payload []byte) error {
	if len(payload) == 0 {
		s.mu.Lock()
		delete(s.drones, id)
		s.mu.Unlock()
		return nil
	}
	var t bus.DroneTelemetry
	if err := json.Unmarshal(payload, &t); err != nil {
		return fmt.Errorf("drone %s: telemetry: %w", id, err)
	}
	if err := validTelemetry(id, &t); err != nil {
		return fmt.Errorf("drone %s: telemetry: %w", id, err)
	}
	now := s.opts.Now()
	s.mu.Lock()
	d, known := s.drones[id]
	if !known {
		d = &drone{}
		s.drones[id] = d
	}
	changed := !known || d.tel.State != t.State || d.tel.Link != t.Link || d.tel.Armed != t.Armed || d.tel.Mode != t.Mode
	d.tel = t
	d.noteHome()
	if t.Patrol != nil && (d.patrol == nil || d.patrol.ID == t.Patrol.ID && bus.PatrolEnded(t.Patrol.State) && !bus.PatrolEnded(d.patrol.State)) {
		p := *t.Patrol
		d.patrol, changed = &p, true
	}
	lost := d.unfollowed()
	if lost != nil {
		changed = true
	}
	var ev *Event
	if s.due(d, now) || changed {
		v := s.viewLocked(id, d)
		ev = &Event{Kind: EventDrone, Site: t.Site, Drone: &v}
	}
	s.mu.Unlock()
	if lost != nil {
		s.log.Warn().Str("drone", id).Str("edge", t.Edge).Str("patrol", lost.ID).Str("reason", lost.Reason).Msg("patrol progress")
		s.events.Publish(Event{Kind: EventPatrol, Site: t.Site, Progress: lost})
	}
	if ev != nil {
		s.events.Publish(*ev)
	}
	return nil
}

// unfollowed ends a patrol under way that the drone's edge no longer
// follows: its telemetry says the drone stands idle on the ground, link
// up, and names no patrol or another one (an edge restarted without
// reading back what its drones flew). Without it the drone would stay
// busy, refusing every launch, for good. A patrol the gateway has just
// sent (accepted) is left alone: the edge's telemetry has not caught up.
// It returns the failed progress to tell, nil when nothing changed.
func (d *drone) unfollowed() *bus.PatrolProgress {
	p, t := d.patrol, d.tel
	if p == nil || bus.PatrolEnded(p.State) || p.State == bus.PatrolAccepted ||
		t.State != bus.DroneIdle || t.Link != bus.LinkUp || t.Patrol != nil && t.Patrol.ID == p.ID {
		return nil
	}
	why := fmt.Sprintf("edge %s no longer follows this patrol (it restarted without knowing of it); the drone stands idle on the ground", t.Edge)
	d.patrol = &bus.PatrolStatus{ID: p.ID, Route: p.Route, State: bus.PatrolFailed, Waypoint: p.Waypoint, Of: p.Of, Reason: why, Verifies: p.Verifies}
	return &bus.PatrolProgress{ID: p.ID, Drone: t.Drone, Site: t.Site, Edge: t.Edge, Route: p.Route, State: bus.PatrolFailed,
		Waypoint: p.Waypoint, Of: p.Of, Reason: why, Time: bus.Now()}
}

// due reports whether d's telemetry is due to listeners at now, and if so
// schedules the next: every TelemetryEvery on average, a quarter of it
// early allowed, so that an edge publishing at 2 Hz with some jitter loses
// no sample and one publishing at 10 Hz is passed on at 2 Hz.
func (s *Service) due(d *drone, now time.Time) bool {
	every := s.opts.TelemetryEvery
	if now.Before(d.next.Add(-every / 4)) {
		return false
	}
	if now.Sub(d.next) >= every { // late, or the first: start over from now
		d.next = now.Add(every)
	} else {
		d.next = d.next.Add(every)
	}
	return true
}

// noteHome takes the drone's position as its home when it is first seen
// disarmed with a GPS fix after flying (or ever): where it stands is where
// it takes off. A position without a fix may be anywhere.
func (d *drone) noteHome() {
	if d.tel.Armed {
		d.grounded = false
		return
	}
	if p := d.tel.Position; p != nil && d.tel.GPSFix && (!d.grounded || d.home == nil) {
		d.home = &bus.Geo{Lat: p.Lat, Lon: p.Lon, Alt: p.AltMSL}
		d.grounded = true
	}
}

// validTelemetry checks what the service keys and draws on: the drone of
// the topic, ids an edge may be commanded by, a position on the globe.
func validTelemetry(id string, t *bus.DroneTelemetry) error {
	if t.Drone == "" {
		t.Drone = id
	}
	if t.Drone != id {
		return fmt.Errorf("names drone %q", t.Drone)
	}
	if err := bus.ValidID(t.Site); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if err := bus.ValidID(t.Edge); err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	if p := t.Position; p != nil && !onGlobe(p.Lat, p.Lon) {
		return fmt.Errorf("position %v,%v is not on the globe", p.Lat, p.Lon)
	}
	return nil
}

func onGlobe(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && math.Abs(lat) <= 90 && math.Abs(lon) <= 180
}

// progress records one patrol progress event and tells the listeners.
func (s *Service) progress(id string, payload []byte) error {
	var p bus.PatrolProgress
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("drone %s: patrol progress: %w", id, err)
	}
	if p.Drone == "" {
		p.Drone = id
	}
	if p.Drone != id || p.ID == "" || p.State == "" {
		return fmt.Errorf("drone %s: patrol progress names drone %q, patrol %q, state %q", id, p.Drone, p.ID, p.State)
	}
	s.mu.Lock()
	d, ok := s.drones[id]
	if !ok {
		// Its retained telemetry comes first on a subscription; progress
		// of a drone never heard of is passed on to its site, not kept.
		s.mu.Unlock()
		if err := bus.ValidID(p.Site); err != nil {
			return fmt.Errorf("drone %s: patrol progress of an unknown drone: site: %w", id, err)
		}
		s.events.Publish(Event{Kind: EventPatrol, Site: p.Site, Progress: &p})
		return nil
	}
	st := bus.PatrolStatus{ID: p.ID, Route: p.Route, State: p.State, Waypoint: p.Waypoint, Of: p.Of, Reason: p.Reason}
	if old := d.patrol; old != nil && old.ID == p.ID {
		st.Verifies = old.Verifies
		if st.Route == "" {
			st.Route = old.Route
		}
		if st.Of == 0 { // returning, landed, … carry no count: keep the last
			st.Waypoint, st.Of = old.Waypoint, old.Of
		}
	}
	d.patrol = &st
	p.Site = d.tel.Site // the site it is known at, whatever the message says
	s.mu.Unlock()
	s.log.Info().Str("drone", id).Str("patrol", p.ID).Str("state", p.State).Int("waypoint", p.Waypoint).
		Int("of", p.Of).Str("reason", p.Reason).Msg("patrol progress")
	s.events.Publish(Event{Kind: EventPatrol, Site: p.Site, Progress: &p})
	return nil
}

// View is a drone as the console shows it.
type View struct {
	ID       string            `json:"id"`
	Site     string            `json:"site"`
	Edge     string            `json:"edge"`
	State    string            `json:"state"`
	Link     string            `json:"link"`
	Mode     string            `json:"mode"`
	Armed    bool              `json:"armed"`
	Battery  int               `json:"battery"` // percent, -1 unknown
	Voltage  float64           `json:"voltage"`
	GPSFix   bool              `json:"gps_fix"`
	Speed    float64           `json:"speed"`
	Message  string            `json:"message,omitempty"`
	Position *bus.DronePos     `json:"position,omitempty"`
	Home     *bus.Geo          `json:"home,omitempty"`
	Patrol   *bus.PatrolStatus `json:"patrol,omitempty"`
	Routes   []string          `json:"routes"` // the routes of its site it may fly
	Time     bus.Time          `json:"time,omitzero"`
}

// viewLocked is d as a View; the lock is held.
func (s *Service) viewLocked(id string, d *drone) View {
	t := d.tel
	v := View{ID: id, Site: t.Site, Edge: t.Edge, State: t.State, Link: t.Link, Mode: t.Mode, Armed: t.Armed,
		Battery: t.Battery.Percent, Voltage: t.Battery.Voltage, GPSFix: t.GPSFix, Speed: t.Speed, Message: t.Message,
		Routes: s.routeNames(t.Site), Time: t.Time}
	if t.Position != nil {
		p := *t.Position
		v.Position = &p
	}
	if d.home != nil {
		h := *d.home
		v.Home = &h
	}
	if d.patrol != nil {
		p := *d.patrol
		v.Patrol = &p
	}
	return v
}

// Drones lists the drones of sites (nil: every site), sorted by id.
func (s *Service) Drones(covers func(site string) bool) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []View{}
	for id, d := range s.drones {
		if covers(d.tel.Site) {
			out = append(out, s.viewLocked(id, d))
		}
	}
	slices.SortFunc(out, func(a, b View) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Drone returns one drone's view.
func (s *Service) Drone(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drones[id]
	if !ok {
		return View{}, false
	}
	return s.viewLocked(id, d), true
}

// EdgeOffline marks the drones held by edge offline with their link lost:
// the edge's retained telemetry stays on the broker after it died, and
// must not let a launch through. Their next telemetry restores them.
func (s *Service) EdgeOffline(edge string) {
	var evs []Event
	s.mu.Lock()
	for id, d := range s.drones {
		if d.tel.Edge != edge || d.tel.State == bus.DroneOffline && d.tel.Link == bus.LinkLost {
			continue
		}
		d.tel.State, d.tel.Link = bus.DroneOffline, bus.LinkLost
		d.tel.Message = "edge " + edge + " is offline"
		v := s.viewLocked(id, d)
		evs = append(evs, Event{Kind: EventDrone, Site: d.tel.Site, Drone: &v})
	}
	s.mu.Unlock()
	for _, ev := range evs {
		s.log.Warn().Str("drone", ev.Drone.ID).Str("edge", edge).Msg("drone offline: its edge is")
		s.events.Publish(ev)
	}
}
