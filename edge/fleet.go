package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/fleet"
)

// fleetEdge is the edge's part in a fleet: its backbone connection, the
// agent that heartbeats and follows its assignment, and what the last
// Work made of it. Without a fleet section the edge has none (nil). Its
// pulls are set before Run.
type fleetEdge struct {
	cfg    *configs.Edge
	log    zerolog.Logger
	nc     *nats.Conn
	agent  *fleet.Agent
	pulls  *pulls
	owner  atomic.Pointer[bus.Owner]
	status *statusKV

	mu      sync.Mutex
	reached bool      // a Work has come from the backbone since start
	fenced  bool      // the last Work was a fence
	epoch   uint64    // of the last assignment applied
	since   time.Time // of the last fence or Work
	ncams   int
}

// newFleetEdge connects to the backbone (in the background when it is
// away: the connection retries forever) and makes the agent; Run starts it.
func newFleetEdge(cfg *configs.Edge, log zerolog.Logger) (*fleetEdge, error) {
	f := &fleetEdge{cfg: cfg, log: log}
	nc, err := connectNATS(cfg, log)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("fleet: jetstream: %w", err)
	}
	f.nc = nc
	f.agent, err = fleet.NewAgent(js, fleet.AgentConfig{Edge: cfg.Edge.ID, Capacity: cfg.Fleet.Capacity,
		Sites: cfg.Fleet.Sites, Version: version, Fence: cfg.Fleet.Fence.D(), Log: log}, f.apply)
	if err != nil {
		nc.Close()
		return nil, err
	}
	f.owner.Store(&bus.Owner{Incarnation: f.agent.Incarnation()})
	f.status = newStatusKV(f.agent.PutStatus, log)
	return f, nil
}

// connectNATS connects nats.go with the edge's bus identity to the URLs
// of the backbone's nodes; it reconnects forever, and its replies come under the
// edge's own inbox prefix, the only one the broker lets it read.
func connectNATS(cfg *configs.Edge, log zerolog.Logger) (*nats.Conn, error) {
	user, err := cfg.MQTT.User()
	if err != nil {
		return nil, err
	}
	pass, err := cfg.MQTT.Password()
	if err != nil {
		return nil, err
	}
	opts := []nats.Option{
		nats.Name("argus-edge-" + cfg.Edge.ID),
		nats.UserInfo(user, pass),
		nats.CustomInboxPrefix(fleet.InboxPrefix(cfg.Edge.ID)),
		// Only the URLs the config lists: a cluster advertises its nodes'
		// own addresses (pod IPs), which an edge may not reach, and the
		// config lists every node anyway.
		nats.IgnoreDiscoveredServers(),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn().Err(err).Msg("fleet: backbone connection lost; reconnecting")
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info().Str("url", nc.ConnectedUrlRedacted()).Msg("fleet: backbone connected again")
		}),
		nats.ConnectHandler(func(nc *nats.Conn) {
			log.Info().Str("url", nc.ConnectedUrlRedacted()).Msg("fleet: backbone connected")
		}),
		// nats.go's default handler writes plain text to stderr, which
		// would break the log's one JSON event per line.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			ev := log.Warn().Err(err)
			if sub != nil {
				ev = ev.Str("subject", sub.Subject)
			}
			ev.Msg("fleet: backbone error")
		}),
	}
	if cfg.Fleet.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.Fleet.CAFile))
	}
	nc, err := nats.Connect(strings.Join(cfg.Fleet.NATS, ","), opts...)
	if err != nil {
		return nil, fmt.Errorf("fleet: connect %s: %w", strings.Join(cfg.Fleet.NATS, ","), err)
	}
	return nc, nil
}

// Run runs the agent until ctx ends; when the backbone cannot be reached
// to open the buckets it tries again every second. When it returns the
// agent has stopped every pull and withdrawn its heartbeat.
func (f *fleetEdge) Run(ctx context.Context) {
	go f.status.run(ctx)
	for {
		err := f.agent.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		f.log.Warn().Err(err).Msg("fleet: agent stopped; starting again in 1s")
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// Close closes the backbone connection, after Run.
func (f *fleetEdge) Close() { f.nc.Close() }

// apply is the agent's callback: it pulls exactly the Work's cameras, the
// ones it drops stopped before it returns, or nothing when fenced.
func (f *fleetEdge) apply(w fleet.Work) {
	if w.Fenced {
		f.note(func() { f.fenced, f.ncams = true, 0 })
		logChanges(f.log, f.pulls.assign(nil))
		return
	}
	// Statuses of cameras this Work adds carry its epoch from their first
	// one: the gateway drops older epochs for a camera just given.
	f.owner.Store(&bus.Owner{Epoch: w.Epoch, Incarnation: f.agent.Incarnation()})
	cams := f.cameras(w.Cameras)
	f.drones(w.Drones)
	ch := f.pulls.assign(cams)
	f.note(func() { f.reached, f.fenced, f.epoch, f.ncams = true, false, w.Epoch, len(cams) })
	if ch.Any() {
		logChanges(f.log, ch)
	}
}

func (f *fleetEdge) note(change func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change()
	f.since = time.Now()
}

// cameras turns the assigned specs into camera configs, checked as the
// gateway checks its inventory: one the edge may not or cannot pull is
// logged and left out, never a reason to stop the others.
func (f *fleetEdge) cameras(specs []fleet.CameraSpec) []configs.Camera {
	out := make([]configs.Camera, 0, len(specs))
	for _, s := range specs {
		c := s.Camera()
		if c.Transport == "" {
			c.Transport = configs.DefaultTransport
		}
		ps := strict.NewProblems("")
		configs.CheckCamera(ps, "", c)
		if c.Site == "" || !f.cfg.Fleet.ServesSite(c.Site) {
			ps.Add("site", fmt.Sprintf("%q is not among this edge's fleet.sites %v", c.Site, f.cfg.Fleet.Sites))
		}
		if err := ps.Err(); err != nil {
			f.log.Error().Str("camera", c.ID).Str("problems", err.Error()).Msg("fleet: assigned camera refused; not pulled")
			continue
		}
		out = append(out, c)
	}
	return out
}

// drones logs the assigned drones whose link is not at this edge: a
// drone's MAVLink link is where it is, so the edge flies only the drones
// its config declares, whatever the assignment says.
func (f *fleetEdge) drones(ids []string) {
	for _, id := range ids {
		if !slices.ContainsFunc(f.cfg.Drones, func(d configs.Drone) bool { return d.ID == id }) {
			f.log.Warn().Str("drone", id).Msg("fleet: drone assigned to this edge, but its link is not declared here (drones:); not flown")
		}
	}
}

// Owner is what this edge's statuses and anomalies carry now.
func (f *fleetEdge) Owner() bus.Owner { return *f.owner.Load() }

// Incarnation is this process's random id.
func (f *fleetEdge) Incarnation() string { return f.agent.Incarnation() }

// ready says why the edge is not ready, for /healthz: it has never
// reached the backbone, or it fenced itself; nil when it is serving.
func (f *fleetEdge) ready() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case !f.reached:
		return errors.New("fleet: the backbone has not been reached yet (no assignment read)")
	case f.fenced:
		return fmt.Errorf("fleet: fenced since %s: no heartbeat acknowledged within %s, every pull stopped",
			f.since.UTC().Format(time.RFC3339), f.cfg.Fleet.Fence)
	}
	return nil
}

// fleetState is the fleet part of the edge's /api/cameras.
type fleetState struct {
	Edge        string    `json:"edge"`
	Incarnation string    `json:"incarnation"`
	Epoch       uint64    `json:"epoch"`
	State       string    `json:"state"` // serving, fenced or joining
	Reason      string    `json:"reason,omitempty"`
	Since       time.Time `json:"since,omitzero"`
	Cameras     int       `json:"cameras"`
	Capacity    float64   `json:"capacity"`
	Sites       []string  `json:"sites"`
	Backbone    string    `json:"backbone"` // the NATS server connected to, or the connection's state
}

// State is the fleet view of the edge's status page.
func (f *fleetEdge) State() fleetState {
	err := f.ready()
	f.mu.Lock()
	st := fleetState{Edge: f.cfg.Edge.ID, Incarnation: f.agent.Incarnation(), Epoch: f.epoch, Since: f.since,
		Cameras: f.ncams, Capacity: f.cfg.Fleet.Capacity, Sites: f.cfg.Fleet.Sites, State: "serving"}
	switch {
	case !f.reached:
		st.State = "joining"
	case f.fenced:
		st.State = "fenced"
	}
	f.mu.Unlock()
	if err != nil {
		st.Reason = err.Error()
	}
	st.Backbone = f.nc.Status().String()
	if f.nc.IsConnected() {
		st.Backbone = f.nc.ConnectedUrlRedacted()
	}
	return st
}
