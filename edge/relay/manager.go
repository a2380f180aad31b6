package relay

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/edge/hub"
)

// Options configure relays; Gateway, Token and Hub are required.
type Options struct {
	// Gateway is the gateway's base URL; offers go to Gateway/whip/{camera}.
	Gateway string
	// Token is the edge's bearer token at the gateway.
	Token string
	// Hub holds the cameras' streams; a relay is one more consumer of one.
	Hub *hub.Hub
	// Log receives the relays' logs, one sub-logger per camera.
	Log zerolog.Logger
	// ICEServers are STUN/TURN servers for reaching the gateway.
	ICEServers []webrtc.ICEServer
	// IdleTimeout ends a relay whose Viewers reported 0 for that long; 0 never does.
	IdleTimeout time.Duration
	// Viewers, when set, returns how many viewers the gateway has for a
	// camera; the edge's wiring fills it (for example from the gateway's
	// API). Nil means a relay runs until stopped.
	Viewers func(camera string) (int, error)
	// KeyframeTimeout bounds the wait for the camera's first keyframe (default 10 s).
	KeyframeTimeout time.Duration
	// ConnectTimeout bounds the WHIP exchange and the connection (default 15 s).
	ConnectTimeout time.Duration
	// ReconnectMax caps the backoff between reconnects (default 30 s).
	ReconnectMax time.Duration
	// Loopback also offers loopback candidates (tests, a gateway on the same host).
	Loopback bool

	client *http.Client
}

func (o *Options) defaults() {
	o.Gateway = strings.TrimRight(o.Gateway, "/")
	if o.KeyframeTimeout <= 0 {
		o.KeyframeTimeout = 10 * time.Second
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 15 * time.Second
	}
	if o.ReconnectMax <= 0 {
		o.ReconnectMax = 30 * time.Second
	}
	if o.client == nil {
		// Two requests per session: keeping connections alive would only
		// leave idle sockets and their goroutines behind.
		o.client = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true}}
	}
}

// errNoGateway refuses relays on an edge configured without a gateway.
var errNoGateway = errors.New("relaying is off on this edge: relay.gateway is not set")

// Manager runs at most one relay per camera.
type Manager struct {
	o      Options
	ctx    context.Context
	cancel context.CancelFunc

	startMu sync.Mutex // one Start at a time, so two cannot race for a camera
	mu      sync.Mutex
	relays  map[string]*Relay
	closed  bool
	wg      sync.WaitGroup // command handlers under way
}

// NewManager returns a Manager with no relays.
func NewManager(o Options) *Manager {
	o.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{o: o, ctx: ctx, cancel: cancel, relays: map[string]*Relay{}}
}

// errClosed refuses work after Close.
var errClosed = errors.New("relay manager closed")

// Start relays camera to the gateway, returning once media flows or with
// why it cannot (ErrUnknownCamera, ErrOffline, *WHIPError, …). Starting a
// camera already relayed does nothing.
func (m *Manager) Start(camera string) error {
	m.startMu.Lock()
	defer m.startMu.Unlock()
	m.mu.Lock()
	_, running := m.relays[camera]
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return errClosed
	}
	if running {
		return nil
	}
	if m.o.Gateway == "" {
		return errNoGateway
	}
	r, err := open(m.ctx, camera, &m.o, m.forget)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		r.Stop()
		return errClosed
	}
	m.relays[camera] = r
	m.mu.Unlock()
	return nil
}

// Stop ends the camera's relay, if any, and deletes its WHIP resource.
func (m *Manager) Stop(camera string) {
	m.mu.Lock()
	r := m.relays[camera]
	delete(m.relays, camera)
	m.mu.Unlock()
	if r != nil {
		r.Stop()
	}
}

// forget drops a relay that ended on its own (idle, camera removed).
func (m *Manager) forget(r *Relay) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.relays[r.camera] == r {
		delete(m.relays, r.camera)
	}
}

// Active lists the cameras being relayed, sorted.
func (m *Manager) Active() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.relays))
	for id := range m.relays {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Close stops every relay, aborts starts under way and waits for command
// handlers. Idempotent.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	rs := m.relays
	m.relays = map[string]*Relay{}
	m.mu.Unlock()
	m.cancel()
	for _, r := range rs {
		r.Stop()
	}
	m.wg.Wait()
}
