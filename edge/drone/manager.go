package drone

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// Bus is where the drones' telemetry and patrol progress go: the edge's
// busclient.Client (progress through its disk queue, telemetry retained).
type Bus interface {
	// PublishTelemetry publishes a drone's retained telemetry (QoS 0).
	PublishTelemetry(bus.DroneTelemetry) error
	// PublishPatrol queues one patrol progress event (QoS 1, on disk).
	PublishPatrol(bus.PatrolProgress) error
}

// Options configure a Manager. Zero durations take the defaults in
// brackets.
type Options struct {
	// Edge is this edge's id, on every message.
	Edge string
	// Drones are the drones whose links this edge holds.
	Drones []configs.Drone
	// Airspace returns a site's airspace for the pre-flight at the edge
	// and the geofence uploaded with each patrol; it is asked at every
	// launch, so an edited file applies to the next patrol. Without it,
	// Sites is used.
	Airspace func(site string) (*airspace.Site, error)
	// Sites are fixed airspaces by site, when Airspace is nil.
	Sites map[string]*airspace.Site
	// Bus receives telemetry and progress; nil only logs them.
	Bus Bus
	// Log is the edge's logger; each drone gets a sub-logger.
	Log zerolog.Logger
	// SystemID is this ground station's MAVLink system id
	// [mavlink.Options' default].
	SystemID int
	// LinkTimeout makes a drone link_lost when its heartbeats stop
	// [mavlink.Options' default].
	LinkTimeout time.Duration
	// TelemetryEvery is the period of the retained telemetry [500ms].
	TelemetryEvery time.Duration
	// Step bounds one step of a patrol: the fence's or the mission's
	// upload and read back, or a command [30s].
	Step time.Duration
	// LinkLostLimit ends a patrol failed when the link stays lost that
	// long in flight; the autopilot's own failsafe brings the drone home
	// meanwhile [60s].
	LinkLostLimit time.Duration
	// FlightLimit bounds a patrol from its start to the landing; beyond
	// it the patrol ends failed [the drone's endurance + 5 min].
	FlightLimit time.Duration
	// Poll is how often a flying patrol looks at the drone's state [250ms].
	Poll time.Duration
	// RecallWait bounds the wait at the start for the bus's retained
	// telemetry, which names the patrols flying when the edge last
	// stopped (see Recaller): the connection, then up to a quarter of it
	// (a second at most) without a retained message; launches are refused
	// meanwhile [5s].
	RecallWait time.Duration
	// Mavlink tunes the node's protocol timeouts (tests shorten them);
	// its Links, SystemID, LinkTimeout and Log are set by the Manager.
	Mavlink mavlink.Options
}

// defaults fills the zero (or negative) fields with the defaults above.
func (o *Options) defaults() {
	o.RecallWait = cmp.Or(max(o.RecallWait, 0), 5*time.Second)
	o.TelemetryEvery = cmp.Or(max(o.TelemetryEvery, 0), 500*time.Millisecond)
	o.Step = cmp.Or(max(o.Step, 0), 30*time.Second)
	o.LinkLostLimit = cmp.Or(max(o.LinkLostLimit, 0), time.Minute)
	o.Poll = cmp.Or(max(o.Poll, 0), 250*time.Millisecond)
	if o.Bus == nil {
		o.Bus = nopBus{}
	}
}

// Manager holds the edge's drones: one MAVLink node for all their links
// and one unit per drone. Its goroutines run from New until Close.
type Manager struct {
	o     Options
	node  *mavlink.Node
	units map[string]*unit // by drone id
	ids   []string         // drone ids, sorted
	stats *stats
	// launched remembers the last patrol ids and how they stand, so a
	// launch delivered twice (MQTT QoS 1) never flies twice.
	launched *recent

	ctx    context.Context // ends at Close: patrols and telemetry stop
	cancel context.CancelFunc
	mu     sync.Mutex // orders spawn's Add before Close's Wait
	closed bool
	wg     sync.WaitGroup
	once   sync.Once
}

// New checks the drones, opens one MAVLink node on their distinct links
// and starts each drone's telemetry.
func New(o Options) (*Manager, error) {
	o.defaults()
	if len(o.Drones) == 0 {
		return nil, errors.New("drones: none configured")
	}
	links, err := check(o.Drones)
	if err != nil {
		return nil, err
	}
	mo := o.Mavlink
	mo.Links, mo.SystemID, mo.LinkTimeout = links, o.SystemID, o.LinkTimeout
	mo.Log = o.Log
	node, err := mavlink.New(mo)
	if err != nil {
		return nil, fmt.Errorf("drones: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{o: o, node: node, units: map[string]*unit{}, stats: newStats(), launched: newRecent(1024), ctx: ctx, cancel: cancel}
	bySys := map[int]*unit{}
	for _, d := range o.Drones {
		u := newUnit(m, d, node.Vehicle(d.SystemID))
		m.units[d.ID] = u
		m.ids = append(m.ids, d.ID)
		bySys[d.SystemID] = u
	}
	sort.Strings(m.ids)
	node.OnUpdate(func(sysid int) {
		if u := bySys[sysid]; u != nil {
			u.kick()
		}
	})
	for _, u := range m.units {
		m.spawn(func() { u.telemetry(ctx) })
	}
	m.recall()
	o.Log.Info().Strs("drones", m.ids).Strs("links", links).Msg("drones: up")
	return m, nil
}

// check refuses drones the node cannot tell apart (one system id per
// node, whatever the link) and returns their distinct links in order.
func check(ds []configs.Drone) ([]string, error) {
	ids, sys := map[string]bool{}, map[int]string{}
	var links []string
	seen := map[string]bool{}
	for _, d := range ds {
		if err := bus.ValidID(d.ID); err != nil {
			return nil, fmt.Errorf("drone %q: %w", d.ID, err)
		}
		if ids[d.ID] {
			return nil, fmt.Errorf("drone %s: listed twice", d.ID)
		}
		ids[d.ID] = true
		if other, ok := sys[d.SystemID]; ok {
			return nil, fmt.Errorf("drone %s: system id %d is drone %s's already: one edge tells its drones apart by system id", d.ID, d.SystemID, other)
		}
		sys[d.SystemID] = d.ID
		if !seen[d.Link] {
			seen[d.Link] = true
			links = append(links, d.Link)
		}
	}
	return links, nil
}

// Close ends the patrols being watched (the autopilots fly on: each ends
// failed, saying the edge stopped), stops the telemetry and closes the
// links. Safe to call twice.
func (m *Manager) Close() {
	m.once.Do(func() {
		m.mu.Lock()
		m.closed = true
		m.cancel()
		m.mu.Unlock()
		m.wg.Wait()
		m.node.Close()
		m.o.Log.Info().Msg("drones: closed")
	})
}

// spawn runs f on a goroutine the Manager waits for at Close; false when
// closing already.
func (m *Manager) spawn(f func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.wg.Add(1)
	go func() { defer m.wg.Done(); f() }()
	return true
}

// GeoAt returns where a drone was at a time, for the anomalies of its
// video (analyze.Camera.GeoAt); nil for a drone this edge does not hold.
func (m *Manager) GeoAt(drone string) func(time.Time) *bus.Geo {
	u := m.units[drone]
	if u == nil {
		return nil
	}
	return u.hist.at
}

// Status returns every drone's latest telemetry, in drone id order, for
// the edge's /api/drones.
func (m *Manager) Status() []bus.DroneTelemetry {
	out := make([]bus.DroneTelemetry, 0, len(m.ids))
	for _, id := range m.ids {
		out = append(out, m.units[id].snapshot())
	}
	return out
}

// nopBus stands in for the bus when the edge has no broker.
type nopBus struct{}

func (nopBus) PublishTelemetry(bus.DroneTelemetry) error { return nil }
func (nopBus) PublishPatrol(bus.PatrolProgress) error    { return nil }
