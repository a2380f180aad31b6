package drone

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/mavlink/link"
)

// Options configure a simulated drone. Zero values take the defaults in
// brackets.
type Options struct {
	// ID names the drone in logs, e.g. hillside-1.
	ID string
	// SystemID is the drone's MAVLink system id (1..250).
	SystemID int
	// Link is the URL of its link, as link.Parse reads it, e.g.
	// udpc://127.0.0.1:14550.
	Link string
	// Home is where it stands at start and returns to (Alt above sea level).
	Home mavlink.Point
	// Speed is its default horizontal speed, m/s [8].
	Speed float64
	// Climb is its climb and descent rate, m/s [3].
	Climb float64
	// Battery is the charge at start, percent [100].
	Battery float64
	// DrainPerMinute is the charge used per minute of flight, percent [4].
	DrainPerMinute float64
	// FailsafeBattery is the charge at which it returns home, percent [20].
	FailsafeBattery float64
	// RTLAltitude is the lowest altitude it flies home at, m [15].
	RTLAltitude float64
	// GCSTimeout is how long without a ground station heartbeat, while
	// flying, makes it return home (real time) [5s].
	GCSTimeout time.Duration
	// Speedup runs the simulated clock that many times faster than real
	// time for flight and battery [1]; heartbeats, telemetry and the
	// protocols keep real time.
	Speedup float64
	// Tick is the simulation step in real time [50ms, 20 Hz].
	Tick time.Duration
	// Log receives the drone's events.
	Log zerolog.Logger
	// SigningKey, when set (mavlink.KeySize bytes), makes the drone sign
	// every frame and refuse unsigned or wrongly signed ones, as ArduPilot
	// does once a key is set.
	SigningKey []byte

	// Misbehaviours.

	// Refuse answers every upload with this MISSION_ACK result
	// (MAV_MISSION_ACCEPTED, the zero value, refuses nothing).
	Refuse common.MAV_MISSION_RESULT
	// DropItems ignores every Nth mission item message received
	// (MISSION_ITEM_INT in uploads, MISSION_REQUEST_INT in downloads) as
	// if lost; 1 ignores them all.
	DropItems int
	// NoGPS reports no GPS fix (and refuses to arm).
	NoGPS bool
	// Outage, when For is set, cuts the link After the start for For:
	// nothing is sent or received meanwhile.
	Outage Outage
}

// Outage is a time the link is cut.
type Outage struct {
	After, For time.Duration
}

func (o *Options) defaults() {
	def := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Speed, 8)
	def(&o.Climb, 3)
	def(&o.Battery, 100)
	def(&o.DrainPerMinute, 4)
	def(&o.FailsafeBattery, 20)
	def(&o.RTLAltitude, 15)
	def(&o.Speedup, 1)
	if o.GCSTimeout <= 0 {
		o.GCSTimeout = 5 * time.Second
	}
	if o.Tick <= 0 {
		o.Tick = 50 * time.Millisecond
	}
}

// Drone is one simulated vehicle. Run flies it; the getters are safe from
// any goroutine.
type Drone struct {
	opts Options
	log  zerolog.Logger
	conf gomavlib.EndpointConf

	mu   sync.Mutex
	node *gomavlib.Node
	s    state
}

// New checks the options; Run starts the drone.
func New(opts Options) (*Drone, error) {
	opts.defaults()
	if opts.SystemID < 1 || opts.SystemID > 250 {
		return nil, fmt.Errorf("drone: system id %d: want 1..250", opts.SystemID)
	}
	if opts.SigningKey != nil && len(opts.SigningKey) != mavlink.KeySize {
		return nil, fmt.Errorf("drone %d: signing key of %d bytes: want %d", opts.SystemID, len(opts.SigningKey), mavlink.KeySize)
	}
	conf, err := link.Parse(opts.Link)
	if err != nil {
		return nil, fmt.Errorf("drone %d: %w", opts.SystemID, err)
	}
	d := &Drone{opts: opts, conf: conf,
		log: opts.Log.With().Str("drone", opts.ID).Int("sysid", opts.SystemID).Str("component", "sim-drone").Logger()}
	d.s = newState(opts)
	return d, nil
}

// Run opens the link and simulates the drone until ctx ends.
func (d *Drone) Run(ctx context.Context) error {
	node := &gomavlib.Node{
		Endpoints:        []gomavlib.EndpointConf{d.conf},
		Dialect:          ardupilotmega.Dialect,
		OutVersion:       gomavlib.V2,
		OutSystemID:      byte(d.opts.SystemID),
		OutComponentID:   1,    // MAV_COMP_ID_AUTOPILOT1
		HeartbeatDisable: true, // its own heartbeat carries mode and armed
	}
	if d.opts.SigningKey != nil {
		node.InKey = frame.NewV2Key(d.opts.SigningKey)
		node.OutKey = frame.NewV2Key(d.opts.SigningKey)
	}
	if err := node.Initialize(); err != nil {
		return fmt.Errorf("drone %d: open link: %w", d.opts.SystemID, err)
	}
	defer node.Close()
	d.mu.Lock()
	d.node = node
	start := time.Now()
	d.s.started = start
	if d.opts.Outage.For > 0 {
		d.s.outageFrom = start.Add(d.opts.Outage.After)
		d.s.outageTo = d.s.outageFrom.Add(d.opts.Outage.For)
	}
	d.mu.Unlock()
	d.log.Info().Str("link", d.opts.Link).Bool("signed", d.opts.SigningKey != nil).Msg("simulated drone up")
	var lastRefusal time.Time
	tick := time.NewTicker(d.opts.Tick)
	defer tick.Stop()
	last := start
	for {
		select {
		case <-ctx.Done():
			return nil
		case evt, ok := <-node.Events():
			if !ok {
				return errors.New("drone: link closed")
			}
			switch e := evt.(type) {
			case *gomavlib.EventFrame:
				d.mu.Lock()
				if !d.cut(time.Now()) {
					d.handle(e)
				}
				d.mu.Unlock()
			case *gomavlib.EventParseError:
				if d.opts.SigningKey != nil && time.Since(lastRefusal) > 10*time.Second {
					lastRefusal = time.Now()
					d.log.Warn().Err(e.Error).Msg("frame refused (signing on; logged once per 10 s)")
				}
			}
		case now := <-tick.C:
			d.mu.Lock()
			d.step(now, now.Sub(last))
			d.mu.Unlock()
			last = now
		}
	}
}

// LoseLink cuts the link from now for dur: nothing is sent or received.
func (d *Drone) LoseLink(dur time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	d.s.outageFrom, d.s.outageTo = now, now.Add(dur)
}

// cut tells whether the link is cut at now; d.mu is held.
func (d *Drone) cut(now time.Time) bool {
	return !now.Before(d.s.outageFrom) && now.Before(d.s.outageTo)
}

// send writes msg on the link unless it is cut; d.mu is held.
func (d *Drone) send(msg message.Message) {
	if d.node == nil || d.cut(time.Now()) {
		return
	}
	if err := d.node.WriteMessageAll(msg); err != nil {
		d.log.Debug().Err(err).Msg("send")
	}
}

// text sends a STATUSTEXT and keeps it for State; d.mu is held.
func (d *Drone) text(sev common.MAV_SEVERITY, format string, args ...any) {
	t := fmt.Sprintf(format, args...)
	if len(t) > 50 {
		t = t[:50]
	}
	d.s.texts = append(d.s.texts, t)
	d.log.Info().Str("text", t).Msg("statustext")
	d.send(&common.MessageStatustext{Severity: sev, Text: t})
}
