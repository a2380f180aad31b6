package relay

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
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
	// Gateway is the gateway's base URL; offers go to Gateway/whip/{camera}
	// unless a command names its replica's URL.
	Gateway string
	// Gateways are more trusted base URLs: a command's replica URL must
	// match Gateway or one of them (see trust).
	Gateways []string
	// Resolve looks a trusted base's host up, to match a replica named by
	// its address (default net.DefaultResolver.LookupHost).
	Resolve func(ctx context.Context, host string) ([]string, error)
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
	// Viewers, when set, returns how many viewers the gateway replica at
	// base URL gateway has for a camera; the edge's wiring fills it (for
	// example from that replica's API). Nil means a relay runs until stopped.
	Viewers func(gateway, camera string) (int, error)
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
	o.Gateways = slices.Clone(o.Gateways)
	for i, g := range o.Gateways {
		o.Gateways[i] = strings.TrimRight(g, "/")
	}
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

// key names a relay: a camera and the gateway replica it goes to.
type key struct{ camera, gateway string }

// Manager runs at most one relay per camera and gateway replica, so two
// replicas can each hold an uplink of the same camera.
type Manager struct {
	o      Options
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	relays map[key]*Relay
	// starting holds a channel per relay being started, closed when its
	// start ends: a second start of the same relay waits for the first, so
	// two cannot race for it, while starts of other relays run beside it.
	starting map[key]chan struct{}
	// opens bounds the starts under way at once (a wall of 16 tiles opens
	// 16 relays together; a burst of hundreds must not open them all).
	opens  chan struct{}
	closed bool
	wg     sync.WaitGroup // command handlers under way
}

// maxOpens is how many relays may start at once. A start mostly waits
// (for the camera's keyframe, up to a GOP, then the WHIP exchange and
// ICE), so starts run side by side: one at a time, a wall of 16 cameras
// took up to 16 GOPs to open.
const maxOpens = 32

// NewManager returns a Manager with no relays.
func NewManager(o Options) *Manager {
	o.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{o: o, ctx: ctx, cancel: cancel, relays: map[key]*Relay{},
		starting: map[key]chan struct{}{}, opens: make(chan struct{}, maxOpens)}
}

// errClosed refuses work after Close.
var errClosed = errors.New("relay manager closed")

// Start relays camera to the single gateway (Options.Gateway): StartTo
// with the zero Target.
func (m *Manager) Start(camera string) error { return m.StartTo(Target{}, camera) }

// StartTo relays camera to the replica to, returning once media flows or
// with why it cannot (ErrUnknownCamera, ErrOffline, *WHIPError, …).
// Starting a relay already running to the same URL does nothing; one to
// the same replica at another URL (it restarted elsewhere) replaces it.
// to.URL is taken as given: HandleCommand checks a command's against the
// trusted gateways first.
func (m *Manager) StartTo(to Target, camera string) error {
	if to.URL == "" {
		to.URL = m.o.Gateway
	}
	to.URL = strings.TrimRight(to.URL, "/")
	k := key{camera, to.Gateway}
	done, err := m.claim(k, to.URL)
	if done == nil || err != nil {
		return err
	}
	defer func() {
		m.mu.Lock()
		delete(m.starting, k)
		m.mu.Unlock()
		close(done)
	}()
	if to.URL == "" {
		return errNoGateway
	}
	m.StopTo(to.Gateway, camera) // a relay to the same replica at another URL
	select {
	case m.opens <- struct{}{}:
	case <-m.ctx.Done():
		return errClosed
	}
	r, err := open(m.ctx, camera, to, &m.o, m.forget)
	<-m.opens
	if err != nil {
		return err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		r.Stop()
		return errClosed
	}
	m.relays[k] = r
	m.mu.Unlock()
	return nil
}

// claim makes the caller the one starting relay k to url, after any start
// of k under way ended; it returns the channel to close when done, or nil
// when there is nothing to start (the relay runs to url already) or the
// manager is closed (with errClosed).
func (m *Manager) claim(k key, url string) (chan struct{}, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		if m.closed {
			return nil, errClosed
		}
		if r := m.relays[k]; r != nil && r.to.URL == url {
			return nil, nil
		}
		busy := m.starting[k]
		if busy == nil {
			break
		}
		m.mu.Unlock()
		<-busy
		m.mu.Lock()
	}
	done := make(chan struct{})
	m.starting[k] = done
	return done, nil
}

// Stop ends the camera's relay to the single gateway: StopTo("", camera).
func (m *Manager) Stop(camera string) { m.StopTo("", camera) }

// StopTo ends the camera's relay to the replica gateway, if any, and
// deletes its WHIP resource; the camera's relays to other replicas go on.
func (m *Manager) StopTo(gateway, camera string) {
	k := key{camera, gateway}
	m.mu.Lock()
	r := m.relays[k]
	delete(m.relays, k)
	m.mu.Unlock()
	if r != nil {
		r.Stop()
	}
}

// forget drops a relay that ended on its own (idle, camera removed).
func (m *Manager) forget(r *Relay) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := key{r.camera, r.to.Gateway}
	if m.relays[k] == r {
		delete(m.relays, k)
	}
}

// Active lists the cameras being relayed to any replica, sorted, each once.
func (m *Manager) Active() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.relays))
	for k := range m.relays {
		ids = append(ids, k.camera)
	}
	sort.Strings(ids)
	return slices.Compact(ids)
}

// RelayStatus is one running relay, for the edge's status page.
type RelayStatus struct {
	Camera  string `json:"camera"`
	Gateway string `json:"gateway"` // the replica's id; empty for the single gateway
	URL     string `json:"url"`     // where it WHIPs
}

// Relays lists the running relays by camera, then replica.
func (m *Manager) Relays() []RelayStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]RelayStatus, 0, len(m.relays))
	for k, r := range m.relays {
		out = append(out, RelayStatus{Camera: k.camera, Gateway: k.gateway, URL: r.to.URL})
	}
	slices.SortFunc(out, func(a, b RelayStatus) int {
		return cmp.Or(strings.Compare(a.Camera, b.Camera), strings.Compare(a.Gateway, b.Gateway))
	})
	return out
}

// Close stops every relay, aborts starts under way and waits for command
// handlers. Idempotent.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	rs := m.relays
	m.relays = map[key]*Relay{}
	m.mu.Unlock()
	m.cancel()
	for _, r := range rs {
		r.Stop()
	}
	m.wg.Wait()
}
