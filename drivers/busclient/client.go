package busclient

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/backoff"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/spool"
)

// Options configure a Client.
type Options struct {
	Broker   string // tcp://host:port, or several comma-separated (a cluster's nodes, tried in order)
	ClientID string // default "argus-edge-" + Edge
	Username string
	Password string // the caller reads it from the environment; never logged
	Edge     string // this edge's id: topics, the will and every payload's edge
	Version  string // the edge's version, reported in its status
	// Incarnation is the edge process's random id per start, carried in
	// its online status and its will (fleet mode): a will from an earlier
	// incarnation, arriving after a quick reconnect, is told apart.
	Incarnation string
	// HTTPURL is the base URL of the edge's HTTP API as the gateway
	// reaches it, carried in every edge status (EdgeStatus.HTTP).
	HTTPURL string
	// TLS configures tls://, ssl:// and wss:// brokers (the CA that signed
	// the broker's certificate); nil uses the system's roots.
	TLS *tls.Config
	Log zerolog.Logger // the caller's, with its context (the edge id); the client adds none

	QueueDir      string // where anomalies wait for the broker; survives restarts
	QueueMax      int    // anomalies kept while the broker is away; default 100000
	QueueMaxBytes int64  // bytes of anomalies kept (snapshots included); default 256 MiB

	// Inflight is how many anomalies may await their PUBACK at once; the
	// queue drains at up to Inflight per broker round trip (default
	// DefaultInflight; 1 waits for each PUBACK before the next).
	Inflight      int
	PubackTimeout time.Duration // wait for one PUBACK before sending again from it; default 10s
	ReconnectMax  time.Duration // reconnect backoff ceiling; default 30s

	segmentBytes int64                                        // tests: small segments
	dial         func(network, addr string) (net.Conn, error) // tests: kill connections
}

// DefaultInflight is how many anomalies await their PUBACK at once unless
// Options.Inflight says otherwise: over a 100 ms round trip it drains a
// backlog at up to 1,280 a second, where one at a time drains 10.
const DefaultInflight = 128

// MaxInflight bounds Options.Inflight, well below MQTT's 65,535 packet ids.
const MaxInflight = 4096

// Client publishes an edge's anomalies and statuses and subscribes to its
// commands. Anomalies go through the on-disk queue; statuses are retained
// and only the latest per topic is kept while disconnected. Safe for
// concurrent use.
type Client struct {
	opts     Options
	log      zerolog.Logger
	pc       mqtt.Client
	q        *spool.Spool
	conn     *connState
	retained *retainedCache

	inflight atomic.Int64 // anomalies awaiting their PUBACK now

	mu      sync.Mutex
	edge    bus.EdgeStatus                  // the latest edge status, online
	subs    map[string]func(string, []byte) // filter → handler, asked for on every connection
	granted map[string]bool                 // filters the broker accepted on this connection
	conns   int                             // connections made: a grant belongs to one
	subWake chan struct{}                   // the subscriber has filters to ask for

	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// New opens the queue in opts.QueueDir and starts connecting in the
// background: an edge starts, and queues, with its broker away.
func New(opts Options) (*Client, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	// The caller's logger already says which edge this is (edge/main.go
	// tags it): a library adding the key again would write it twice.
	log := opts.Log
	q, err := spool.Open(opts.QueueDir, spool.Options{Limits: spool.Limits{Count: opts.QueueMax, Bytes: opts.QueueMaxBytes},
		SegmentBytes: opts.segmentBytes, TopicPrefix: bus.Root}, log)
	if err != nil {
		return nil, fmt.Errorf("bus: %w", err)
	}
	c := &Client{
		opts: opts, log: log, q: q, conn: newConnState(), retained: newRetainedCache(),
		edge: bus.EdgeStatus{Edge: opts.Edge, State: bus.Online, Version: opts.Version, Cameras: []string{}, HTTP: opts.HTTPURL},
		subs: map[string]func(string, []byte){}, granted: map[string]bool{}, subWake: make(chan struct{}, 1),
	}
	c.pc = mqtt.NewClient(c.pahoOptions())
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.log.Info().Str("broker", redact(opts.Broker)).Str("client_id", opts.ClientID).Msg("bus: connecting")
	c.wg.Add(4)
	go func() { defer c.wg.Done(); c.connectLoop(ctx) }()
	go func() { defer c.wg.Done(); c.subscriber(ctx) }()
	go func() { defer c.wg.Done(); c.sendAnomalies(ctx) }()
	go func() { defer c.wg.Done(); c.sendRetained(ctx) }()
	return c, nil
}

// defaults checks the options and fills in the defaults.
func (o *Options) defaults() error {
	if err := bus.ValidID(o.Edge); err != nil {
		return fmt.Errorf("bus: edge: %w", err)
	}
	if _, err := url.Parse(o.Broker); err != nil || o.Broker == "" {
		return fmt.Errorf("bus: broker %q: want tcp://host:port", redact(o.Broker))
	}
	if o.QueueDir == "" {
		return errors.New("bus: QueueDir is required: anomalies wait there for the broker")
	}
	if o.ClientID == "" {
		o.ClientID = "argus-edge-" + o.Edge
	}
	if o.QueueMax <= 0 {
		o.QueueMax = 100000
	}
	if o.QueueMaxBytes <= 0 {
		o.QueueMaxBytes = 256 << 20
	}
	if o.Inflight <= 0 {
		o.Inflight = DefaultInflight
	}
	if o.Inflight > MaxInflight {
		return fmt.Errorf("bus: Inflight %d: at most %d (MQTT packet ids are 16 bits, shared with statuses and replies)", o.Inflight, MaxInflight)
	}
	if o.PubackTimeout <= 0 {
		o.PubackTimeout = 10 * time.Second
	}
	if o.ReconnectMax <= 0 {
		o.ReconnectMax = 30 * time.Second
	}
	return nil
}

// pahoOptions sets up paho. The session is clean: undelivered anomalies
// live in our own queue, not in paho's memory or the broker's session, and
// subscriptions are made again on every connect. Paho's own reconnect is
// off: on reconnect it resends what it held from the lost connection, which
// could land a stale retained status after the latest one; a fresh Connect
// with a clean session discards that instead.
func (c *Client) pahoOptions() *mqtt.ClientOptions {
	o := addBrokers(mqtt.NewClientOptions(), c.opts.Broker).
		SetClientID(c.opts.ClientID).
		SetUsername(c.opts.Username).
		SetPassword(c.opts.Password).
		SetCleanSession(true).
		SetOrderMatters(true).
		SetAutoReconnect(false). // connectLoop reconnects: see there
		SetConnectRetry(false).
		SetConnectTimeout(10 * time.Second).
		SetWriteTimeout(10 * time.Second).
		SetKeepAlive(30 * time.Second).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { c.onLost(err) })
	if c.opts.TLS != nil {
		o.SetTLSConfig(c.opts.TLS)
	}
	will, _ := json.Marshal(c.offline())
	// The will's time is when the client was made: a receiver takes the
	// moment it sees the will as the time the edge went away.
	o.SetBinaryWill(bus.EdgeStatusTopic(c.opts.Edge), will, 1, true)
	if c.opts.dial != nil {
		o.SetCustomOpenConnectionFn(func(u *url.URL, _ mqtt.ClientOptions) (net.Conn, error) {
			return c.opts.dial("tcp", u.Host)
		})
	}
	return o
}

// connectLoop connects, waits for the connection to drop, and connects
// again, with exponential backoff between failed attempts (from 250 ms to
// ReconnectMax, ±25%), until ctx ends.
func (c *Client) connectLoop(ctx context.Context) {
	b := backoff.Backoff{Min: 250 * time.Millisecond, Max: c.opts.ReconnectMax, Jitter: 0.25}
	failures := 0
	for {
		tok := c.pc.Connect()
		select {
		case <-tok.Done():
		case <-ctx.Done():
			return
		}
		if err := tok.Error(); err != nil {
			failures++
			ev := c.log.Debug()
			if failures == 1 {
				ev = c.log.Warn()
			}
			ev.Err(err).Int("attempt", failures).Msg("bus: cannot connect to the broker; retrying with backoff")
			if !sleep(ctx, b.Next()) {
				return
			}
			continue
		}
		c.log.Info().Int("failed_attempts", failures).Msg("bus: connected")
		b.Reset()
		failures = 0
		c.onConnect(ctx)
		_, lost := c.conn.channels()
		select {
		case <-lost:
		case <-ctx.Done():
			return
		}
	}
}

// sleep waits d or until ctx ends; it reports whether the time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// onConnect runs on every (re)connection: subscriptions again, then the
// edge's online status and every camera status (the broker may have lost
// its retained messages).
func (c *Client) onConnect(ctx context.Context) {
	// Mark everything for resending before the sender can see the
	// connection up, so one connect publishes each topic once.
	c.retained.resendAll()
	c.setEdgeStatus(nil)
	c.conn.connected()
	if !c.pc.IsConnectionOpen() {
		c.conn.disconnected() // lost before we marked it up: onLost came first
	}
	c.retained.wake()
	c.mu.Lock()
	c.conns++
	clear(c.granted) // the session is clean: every filter is asked for again
	c.mu.Unlock()
	c.wakeSubscriber()
}

// handle adapts a payload handler to paho's.
func handle(h func(topic string, payload []byte)) mqtt.MessageHandler {
	return func(_ mqtt.Client, m mqtt.Message) { h(m.Topic(), m.Payload()) }
}

// onLost runs when the connection drops; connectLoop reconnects.
func (c *Client) onLost(err error) {
	c.conn.disconnected()
	c.log.Warn().Err(err).Msg("bus: connection lost, reconnecting; anomalies queue on disk")
}

// WaitConnected returns when the client is connected or ctx ends.
func (c *Client) WaitConnected(ctx context.Context) error {
	up, _ := c.conn.channels()
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Connected tells whether the client is connected now.
func (c *Client) Connected() bool { return c.conn.isUp() }

// PublishAnomaly assigns the anomaly its seq (and edge and published_at
// when empty) and appends it to the on-disk queue; when it returns nil the
// anomaly is fsynced and will be delivered, at least once, in order.
func (c *Client) PublishAnomaly(a bus.Anomaly) error {
	if err := bus.ValidID(a.Site); err != nil {
		return fmt.Errorf("anomaly %s: site: %w", a.ID, err)
	}
	if err := bus.ValidID(a.Camera); err != nil {
		return fmt.Errorf("anomaly %s: camera: %w", a.ID, err)
	}
	if a.Edge == "" {
		a.Edge = c.opts.Edge
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = bus.Now()
	}
	_, err := c.q.Append(bus.AnomalyTopic(a.Site, a.Camera), func(seq uint64) ([]byte, error) {
		a.Seq = seq
		return json.Marshal(a)
	})
	if err != nil {
		return fmt.Errorf("anomaly %s: %w", a.ID, err)
	}
	return nil
}

// PublishCameraStatus publishes a camera's retained status (QoS 1). While
// disconnected only the latest status per camera is kept, and it is
// published on reconnect.
func (c *Client) PublishCameraStatus(s bus.CameraStatus) error {
	if err := bus.ValidID(s.Site); err != nil {
		return fmt.Errorf("camera status %s: site: %w", s.Camera, err)
	}
	if err := bus.ValidID(s.Camera); err != nil {
		return fmt.Errorf("camera status: camera: %w", err)
	}
	if s.Edge == "" {
		s.Edge = c.opts.Edge
	}
	if s.Time.IsZero() {
		s.Time = bus.Now()
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("camera status %s: %w", s.Camera, err)
	}
	c.retained.set(bus.CameraStatusTopic(s.Site, s.Camera), b)
	return nil
}

// PublishEdgeStatus updates the edge's retained online status (cameras,
// load, version); it is also published on every connect. The state is
// always online: offline is the will, and Close.
func (c *Client) PublishEdgeStatus(s bus.EdgeStatus) {
	c.setEdgeStatus(&s)
}

// setEdgeStatus stores s (when not nil) as the latest edge status and
// queues it, stamped online and now, for the broker.
func (c *Client) setEdgeStatus(s *bus.EdgeStatus) {
	c.mu.Lock()
	if s != nil {
		c.edge = *s
	}
	st := c.edge
	c.mu.Unlock()
	st.Edge, st.State, st.Time, st.Incarnation = c.opts.Edge, bus.Online, bus.Now(), c.opts.Incarnation
	if st.Version == "" {
		st.Version = c.opts.Version
	}
	if st.HTTP == "" {
		st.HTTP = c.opts.HTTPURL
	}
	if st.Cameras == nil {
		st.Cameras = []string{}
	}
	b, _ := json.Marshal(st) // plain fields: cannot fail
	c.retained.set(bus.EdgeStatusTopic(c.opts.Edge), b)
}

// Subscribe delivers messages matching filter (QoS 1) to handler, from
// when the broker accepts it until Unsubscribe. Connected, it returns once
// the broker answers (an error when it refuses or is silent for
// PubackTimeout); disconnected, at once. Either way the client asks for
// the filter on every connection, and again with backoff while the broker
// refuses it (each refusal logged). Handlers run one at a time, in
// arrival order, and must return quickly.
func (c *Client) Subscribe(filter string, handler func(topic string, payload []byte)) error {
	c.mu.Lock()
	c.subs[filter] = handler
	delete(c.granted, filter)
	conn := c.conns
	c.mu.Unlock()
	if !c.Connected() {
		return nil
	}
	tok := c.pc.Subscribe(filter, 1, handle(handler))
	var err error
	switch {
	case !tok.WaitTimeout(c.opts.PubackTimeout):
		err = fmt.Errorf("subscribe %s: no answer in %s", filter, c.opts.PubackTimeout)
	case tok.Error() != nil:
		err = fmt.Errorf("subscribe %s: %w", filter, tok.Error())
	case Refused(tok, filter):
		err = fmt.Errorf("subscribe %s: refused by the broker", filter)
	default:
		c.mu.Lock()
		if conn == c.conns && c.subs[filter] != nil {
			c.granted[filter] = true
		}
		c.mu.Unlock()
		return nil
	}
	c.wakeSubscriber() // it asks again
	return err
}

// Unsubscribe stops delivering filter's messages.
func (c *Client) Unsubscribe(filter string) {
	c.mu.Lock()
	_, had := c.subs[filter]
	delete(c.subs, filter)
	delete(c.granted, filter)
	c.mu.Unlock()
	if had && c.pc.IsConnectionOpen() {
		c.pc.Unsubscribe(filter) // its answer changes nothing: the filter is gone here
	}
}

// wakeSubscriber tells the subscriber there may be filters to ask for.
func (c *Client) wakeSubscriber() {
	select {
	case c.subWake <- struct{}{}:
	default:
	}
}

// subscriber asks the broker for the filters it has not accepted on this
// connection whenever woken, until ctx ends; refused ones are asked for
// again with backoff, filters added meanwhile with them.
func (c *Client) subscriber(ctx context.Context) {
	b := subRetry()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.subWake:
		}
		for c.pc.IsConnectionOpen() {
			refused, err := c.subscribePending(ctx)
			if err != nil || len(refused) == 0 {
				b.Reset()
				break // the next connection, or the next filter, wakes it
			}
			if retried(ctx, c.pc, refused, &b, c.log) != nil {
				break
			}
		}
	}
}

// subscribePending asks once for the filters not accepted on this
// connection and returns those refused.
func (c *Client) subscribePending(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	conn := c.conns
	subs := map[string]Subscription{}
	for f, h := range c.subs {
		if !c.granted[f] {
			subs[f] = Subscription{QoS: 1, Handler: handle(h)}
		}
	}
	c.mu.Unlock()
	filters := slices.Sorted(maps.Keys(subs))
	refused, err := subscribeOnce(ctx, c.pc, subs, filters, c.log)
	if err != nil {
		return nil, err
	}
	var dropped []string // unsubscribed while the broker answered
	c.mu.Lock()
	for _, f := range filters {
		switch {
		case c.subs[f] == nil:
			dropped = append(dropped, f)
		case conn == c.conns && !slices.Contains(refused, f):
			c.granted[f] = true
		}
	}
	c.mu.Unlock()
	if len(dropped) > 0 {
		c.pc.Unsubscribe(dropped...)
	}
	return refused, nil
}

// Close stops sending, publishes the edge's retained offline status when
// connected, disconnects and closes the queue. Undelivered anomalies stay
// on disk for the next client on the same QueueDir. Safe to call twice.
func (c *Client) Close() {
	c.once.Do(func() {
		c.cancel()
		c.wg.Wait()
		if c.Connected() {
			b, _ := json.Marshal(c.offline())
			tok := c.pc.Publish(bus.EdgeStatusTopic(c.opts.Edge), 1, true, b)
			if !tok.WaitTimeout(2*time.Second) || tok.Error() != nil {
				c.log.Warn().Err(tok.Error()).Msg("bus: offline status not confirmed; the broker has the will")
			}
		}
		c.pc.Disconnect(250)
		c.conn.disconnected()
		c.q.Close()
		c.log.Info().Int("undelivered", c.q.Stats().Depth).Msg("bus: closed")
	})
}

// offline is the edge's offline status: its will, and what Close sends.
func (c *Client) offline() bus.EdgeStatus {
	return bus.EdgeStatus{Edge: c.opts.Edge, State: bus.Offline, Version: c.opts.Version, Cameras: []string{},
		Time: bus.Now(), Incarnation: c.opts.Incarnation, HTTP: c.opts.HTTPURL}
}

// redact hides the password of a broker URL written with user info.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Publish sends one QoS 1, non-retained message, such as a command's
// reply, and waits for the broker's acknowledgement. Unlike anomalies it is
// not queued on disk: a reply nobody received in time is stale anyway.
func (c *Client) Publish(topic string, payload []byte) error {
	if !c.Connected() {
		return fmt.Errorf("publish %s: not connected to the broker", topic)
	}
	tok := c.pc.Publish(topic, 1, false, payload)
	if !tok.WaitTimeout(c.opts.PubackTimeout) {
		return fmt.Errorf("publish %s: no acknowledgement in %s", topic, c.opts.PubackTimeout)
	}
	return tok.Error()
}
