package mavlink

import (
	"cmp"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/mavlink/link"
)

// Options configure a Node. Zero values take the defaults in brackets.
type Options struct {
	// Links are the URLs of the links to the vehicles (see link.Parse).
	Links []string
	// SystemID is this ground station's MAVLink system id [254].
	SystemID int
	// LinkTimeout is how long without a heartbeat makes a vehicle
	// link_lost [3s].
	LinkTimeout time.Duration
	// Log receives the node's events.
	Log zerolog.Logger

	// ItemTimeout is the mission protocol's wait for one answer before
	// it resends [1.5s, the MAVLink spec's default].
	ItemTimeout time.Duration
	// TransactionTimeout ends a mission transaction that made no
	// progress for that long [5s].
	TransactionTimeout time.Duration
	// CommandTimeout is the wait for a COMMAND_ACK before a command is
	// resent with its confirmation field raised [1s].
	CommandTimeout time.Duration
	// Retries is how often a mission message or a command is resent
	// before giving up [4].
	Retries int
	// StreamRate is the telemetry rate asked of each vehicle with
	// SET_MESSAGE_INTERVAL, in Hz [5].
	StreamRate float64
	// SigningKey is the MAVLink 2 signing key shared with the vehicles
	// (KeySize bytes). With it every frame out is signed, and frames in
	// that are unsigned, signed with another key or replayed are dropped
	// before they reach any vehicle. Nil leaves the links unsigned: the
	// edge allows that only when its config says so explicitly.
	SigningKey []byte
}

// defaults fills the zero (or negative) fields with the defaults above.
func (o *Options) defaults() {
	o.SystemID = cmp.Or(o.SystemID, 254)
	o.LinkTimeout = cmp.Or(max(o.LinkTimeout, 0), 3*time.Second)
	o.ItemTimeout = cmp.Or(max(o.ItemTimeout, 0), 1500*time.Millisecond)
	o.TransactionTimeout = cmp.Or(max(o.TransactionTimeout, 0), 5*time.Second)
	o.CommandTimeout = cmp.Or(max(o.CommandTimeout, 0), time.Second)
	o.Retries = cmp.Or(max(o.Retries, 0), 4)
	o.StreamRate = cmp.Or(max(o.StreamRate, 0), 5)
}

// Node is the ground station end of an edge's MAVLink links: it holds
// every vehicle heard on them, told apart by system id.
type Node struct {
	opts Options
	log  zerolog.Logger
	mav  *gomavlib.Node

	mu       sync.Mutex
	vehicles map[int]*Vehicle
	onUpdate []func(sysid int)
	dirty    map[int]bool

	notify    chan struct{}
	stop      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	frames      atomic.Uint64
	parseErrors atomic.Uint64
	lastErrLog  atomic.Int64 // unix nanoseconds of the last parse error logged
	rejects     *rejects
	replays     *replayGuard // nil when the links are unsigned
}

// New opens the links and starts reading them.
func New(opts Options) (*Node, error) {
	opts.defaults()
	if opts.SystemID < 1 || opts.SystemID > 255 {
		return nil, fmt.Errorf("mavlink: system id %d: want 1..255", opts.SystemID)
	}
	if len(opts.Links) == 0 {
		return nil, errors.New("mavlink: no links")
	}
	if opts.SigningKey != nil && len(opts.SigningKey) != KeySize {
		return nil, fmt.Errorf("mavlink: signing key of %d bytes: want %d", len(opts.SigningKey), KeySize)
	}
	var eps []gomavlib.EndpointConf
	for _, l := range opts.Links {
		ep, err := link.Parse(l)
		if err != nil {
			return nil, fmt.Errorf("mavlink: %w", err)
		}
		eps = append(eps, ep)
	}
	mav := &gomavlib.Node{
		Endpoints:           eps,
		Dialect:             ardupilotmega.Dialect,
		OutVersion:          gomavlib.V2,
		OutSystemID:         byte(opts.SystemID),
		OutComponentID:      190, // MAV_COMP_ID_MISSIONPLANNER
		HeartbeatPeriod:     time.Second,
		HeartbeatSystemType: int(minimal.MAV_TYPE_GCS),
		// The autopilot type of a ground station is INVALID (8).
		HeartbeatAutopilotType: int(minimal.MAV_AUTOPILOT_INVALID),
	}
	if opts.SigningKey != nil {
		mav.InKey = frame.NewV2Key(opts.SigningKey)
		mav.OutKey = frame.NewV2Key(opts.SigningKey)
	}
	if err := mav.Initialize(); err != nil {
		return nil, fmt.Errorf("mavlink: open links: %w", err)
	}
	n := &Node{
		opts: opts, log: opts.Log.With().Str("component", "mavlink").Logger(), mav: mav,
		vehicles: map[int]*Vehicle{}, dirty: map[int]bool{},
		notify: make(chan struct{}, 1), stop: make(chan struct{}),
		rejects: newRejects(),
	}
	if opts.SigningKey != nil {
		n.replays = &replayGuard{streams: map[stream]*stamp{}}
	}
	n.wg.Add(3)
	go n.read()
	go n.watchLinks()
	go n.notifier()
	n.log.Info().Strs("links", opts.Links).Int("system_id", opts.SystemID).Bool("signed", opts.SigningKey != nil).Msg("mavlink node up")
	if opts.SigningKey == nil {
		n.log.Warn().Msg("mavlink links unsigned: anyone who can reach them can forge telemetry and commands")
	}
	return n, nil
}

// Close stops the node and closes its links; it waits for its goroutines.
// Calling it again does nothing.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		close(n.stop)
		n.mav.Close()
		n.wg.Wait()
		n.mu.Lock()
		for _, v := range n.vehicles {
			v.closeSubs()
		}
		n.mu.Unlock()
	})
	return nil
}

// Vehicle returns the vehicle of a system id, known or not yet heard from
// (its link is then bus.LinkNone).
func (n *Node) Vehicle(sysid int) *Vehicle {
	n.mu.Lock()
	defer n.mu.Unlock()
	v := n.vehicles[sysid]
	if v == nil {
		v = newVehicle(n, sysid)
		n.vehicles[sysid] = v
	}
	return v
}

// known returns the vehicle of sysid if it exists.
func (n *Node) known(sysid int) *Vehicle {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.vehicles[sysid]
}

// OnUpdate registers f, called with a vehicle's system id when its State
// changed. Calls come from one goroutine of the node's, never from its
// reader: a slow f delays other updates (they coalesce) but never the
// link.
func (n *Node) OnUpdate(f func(sysid int)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.onUpdate = append(n.onUpdate, f)
}

// Stats are the node's counters since it started.
type Stats struct {
	Frames      uint64 // valid frames received
	ParseErrors uint64 // corrupt or unknown frames dropped
	// Rejected counts the frames a signing node dropped, by reason
	// (RejectUnsigned, RejectWrongKey, RejectReplayed).
	Rejected map[string]uint64
}

// Stats returns the node's counters now.
func (n *Node) Stats() Stats {
	return Stats{Frames: n.frames.Load(), ParseErrors: n.parseErrors.Load(), Rejected: n.rejects.snapshot()}
}

// changed marks a vehicle's state changed for the OnUpdate callbacks.
func (n *Node) changed(sysid int) {
	n.mu.Lock()
	n.dirty[sysid] = true
	n.mu.Unlock()
	select {
	case n.notify <- struct{}{}:
	default:
	}
}

func (n *Node) notifier() {
	defer n.wg.Done()
	for {
		select {
		case <-n.stop:
			return
		case <-n.notify:
		}
		n.mu.Lock()
		dirty, fs := n.dirty, append([]func(int){}, n.onUpdate...)
		n.dirty = map[int]bool{}
		n.mu.Unlock()
		for id := range dirty {
			for _, f := range fs {
				f(id)
			}
		}
	}
}

// read takes every event of the links: frames go to their vehicle,
// parse errors are counted (and logged at debug, at most once a second).
func (n *Node) read() {
	defer n.wg.Done()
	for evt := range n.mav.Events() {
		switch e := evt.(type) {
		case *gomavlib.EventFrame:
			if !n.freshFrame(e) {
				continue
			}
			n.frames.Add(1)
			n.frame(e)
		case *gomavlib.EventParseError:
			if reason, ok := signatureReason(e.Error); ok && n.replays != nil {
				n.reject(e.Channel, reason)
				continue
			}
			c := n.parseErrors.Add(1)
			now := time.Now().UnixNano()
			if last := n.lastErrLog.Load(); now-last > int64(time.Second) && n.lastErrLog.CompareAndSwap(last, now) {
				n.log.Debug().Err(e.Error).Uint64("parse_errors", c).Msg("corrupt frame dropped")
			}
		case *gomavlib.EventChannelOpen:
			n.log.Debug().Str("channel", e.Channel.String()).Msg("link channel open")
		case *gomavlib.EventChannelClose:
			n.log.Debug().Str("channel", e.Channel.String()).Msg("link channel closed")
			n.forgetChannel(e.Channel)
		}
	}
}

// freshFrame applies the replay rule to a signed frame; without a key
// every frame passes.
func (n *Node) freshFrame(e *gomavlib.EventFrame) bool {
	if n.replays == nil {
		return true
	}
	f, ok := e.Frame.(*frame.V2Frame)
	if ok && n.replays.fresh(f, time.Now()) {
		return true
	}
	n.reject(e.Channel, RejectReplayed)
	return false
}

// reject counts a frame refused for its signature and warns about it at
// most once per link per rejectLogEvery, never per frame.
func (n *Node) reject(ch *gomavlib.Channel, reason string) {
	total, logNow := n.rejects.add(ch.Endpoint(), reason, time.Now())
	if !logNow {
		return
	}
	n.log.Warn().Str("channel", ch.String()).Str("reason", reason).Uint64("count", total).
		Msg("mavlink frame dropped: not signed with this edge's key (a vehicle without signing, another key, a replay or a forger); its vehicle's state is untouched")
}

func (n *Node) frame(e *gomavlib.EventFrame) {
	sysid := int(e.SystemID())
	if sysid == n.opts.SystemID {
		return // our own frames echoed by a router
	}
	if hb, ok := e.Message().(*minimal.MessageHeartbeat); ok && isAutopilot(hb) {
		n.Vehicle(sysid).receive(e)
		return
	}
	if v := n.known(sysid); v != nil {
		v.receive(e)
	}
}

// isAutopilot tells a vehicle's autopilot heartbeat from those of ground
// stations, gimbals, cameras and other components.
func isAutopilot(hb *minimal.MessageHeartbeat) bool {
	return hb.Autopilot != minimal.MAV_AUTOPILOT_INVALID && hb.Type != minimal.MAV_TYPE_GCS
}

func (n *Node) forgetChannel(ch *gomavlib.Channel) {
	for _, v := range n.all() {
		v.forgetChannel(ch)
	}
}

// all is every vehicle known now, taken under the lock and used without
// it (a vehicle's own lock is never taken under the node's).
func (n *Node) all() []*Vehicle {
	n.mu.Lock()
	defer n.mu.Unlock()
	vs := make([]*Vehicle, 0, len(n.vehicles))
	for _, v := range n.vehicles {
		vs = append(vs, v)
	}
	return vs
}

// watchLinks marks link_lost the vehicles whose heartbeats stopped: a
// ticker, so a silent vehicle is noticed without waiting for a message.
func (n *Node) watchLinks() {
	defer n.wg.Done()
	tick := time.NewTicker(min(n.opts.LinkTimeout/10, 100*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-n.stop:
			return
		case now := <-tick.C:
			for _, v := range n.all() {
				v.checkLink(now)
			}
		}
	}
}
