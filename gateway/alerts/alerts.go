package alerts

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/gateway/notify"
	"github.com/argus-edge/argus/gateway/store"
)

// Options configure Alerts.
type Options struct {
	// Broker is the MQTT broker's URL, e.g. "tcp://127.0.0.1:1883".
	Broker string
	// ClientID is the MQTT client id (default "argus-gateway-alerts"). The
	// broker keeps the persistent session under it: keep it fixed, and
	// unique to one gateway.
	ClientID string
	// Username and Password authenticate to the broker when it asks.
	Username, Password string
	// TLS, when set, is used for an ssl:// Broker.
	TLS *tls.Config
	// Store records anomalies and the wall; required.
	Store store.Store
	// WallSeverity is the lowest severity whose live anomaly start puts its
	// camera on the wall (default "high"; one of bus.Severities).
	WallSeverity string
	// StartRelay starts a camera's relay on demand (the gateway passes the
	// SFU's); called for every camera put on the wall. Nil: no relay.
	StartRelay func(ctx context.Context, camera string) error
	// RelayTimeout bounds one StartRelay call (default 15s).
	RelayTimeout time.Duration
	// EventBuffer is each listener's queue (default notify.DefaultBuffer).
	EventBuffer int
	// Accept, when set, tells whether an anomaly comes from its camera's
	// current owner (the fleet's filter); others are acknowledged and dropped.
	Accept func(bus.Anomaly) bool
	// Incidents, when set, is given the records each batch applied, in
	// order, once the batch is stored (gateway/incidents groups them:
	// incidents.Service.ObserveBatch), and the record another replica
	// applied from an event this one received or a later one (of replicas
	// sharing a store one groups). For each it answers true to keep the camera off the
	// wall: the anomaly joined a site outage (the console shows one
	// banner) or an incident with a member at least as severe (one tile
	// per incident).
	Incidents func([]store.Anomaly) (offWall []bool)
	// BatchSize is the most anomalies written in one transaction (default
	// DefaultBatchSize); BatchWait the most time spent gathering one batch
	// (default DefaultBatchWait). At a trickle a batch never waits for
	// anomalies not yet received (each is written at once); in a storm it
	// gathers for BatchWait (collect).
	BatchSize int
	BatchWait time.Duration
	// QueueSize bounds the anomalies received and not yet stored (default
	// DefaultQueueSize). When it is full the gateway stops reading from
	// the broker, which holds the rest (and the edges' queues behind it).
	QueueSize int
	// Groups, when set, tells whether this replica groups the incidents
	// now (of replicas sharing a store one does): only that one puts
	// anomalies' cameras on the wall, those it applied and those another
	// replica applied, so that its decisions (one tile per incident, one
	// banner per outage) hold on the shared wall. Nil: this gateway alone.
	Groups func() bool
	// Log receives the logs.
	Log zerolog.Logger
}

// Alerts receives anomalies, keeps the wall and notifies listeners. Build
// it with New, serve it with Run.
type Alerts struct {
	opts     Options
	log      zerolog.Logger
	store    store.Store
	wallRank int
	client   mqtt.Client
	ready    chan struct{} // closed once subscribed
	readyOne sync.Once
	life     context.Context // ends with Run's context: bounds store writes and relay starts
	end      context.CancelFunc
	relays   sync.WaitGroup // StartRelay calls in flight
	wallMu   sync.Mutex     // one wall change at a time: read, put, notify
	stats    counters
	metrics  *ingestMetrics
	queue    chan queued // received, waiting for the store (ingest.go)
	// conn counts connections lost: a message is acknowledged only on
	// the connection that delivered it (ingest.go).
	conn    atomic.Uint64
	burstMu sync.Mutex
	// burstStart: when the queue was last found full; zero once drained.
	burstStart time.Time

	anomalies *notify.Hub[store.Anomaly]
	batches   *notify.Hub[[]store.Anomaly] // the same records, a batch's at once (SubscribeBatch)
	walls     *notify.Hub[[]store.WallEntry]
}

// New checks opts and sets up Alerts; nothing connects until Run.
func New(opts Options) (*Alerts, error) {
	if opts.Store == nil {
		return nil, errors.New("alerts: no store")
	}
	if opts.ClientID == "" {
		opts.ClientID = "argus-gateway-alerts"
	}
	if opts.WallSeverity == "" {
		opts.WallSeverity = "high"
	}
	rank := bus.SeverityRank(opts.WallSeverity)
	if rank < 0 {
		return nil, fmt.Errorf("alerts: wall severity %q is not one of %v", opts.WallSeverity, bus.Severities)
	}
	if opts.RelayTimeout <= 0 {
		opts.RelayTimeout = 15 * time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.BatchWait <= 0 {
		opts.BatchWait = DefaultBatchWait
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.EventBuffer <= 0 {
		// A stored batch is told at once: a listener must hold a few.
		opts.EventBuffer = 4 * opts.BatchSize
	}
	a := &Alerts{opts: opts, log: opts.Log.With().Str("component", "alerts").Logger(), store: opts.Store,
		wallRank: rank, ready: make(chan struct{}), queue: make(chan queued, opts.QueueSize), metrics: newIngestMetrics(),
		anomalies: notify.New[store.Anomaly](opts.EventBuffer), batches: notify.New[[]store.Anomaly](batchBuffer), walls: notify.New[[]store.WallEntry](opts.EventBuffer)}
	a.life, a.end = context.WithCancel(context.Background())
	a.client = mqtt.NewClient(a.pahoOptions())
	return a, nil
}

// pahoOptions: a persistent session (clean session false, fixed id) so the
// broker queues anomalies while the gateway is away; handlers in order (a
// start before its update) and acknowledged by hand, only once stored.
func (a *Alerts) pahoOptions() *mqtt.ClientOptions {
	o := busclient.ServiceOptions(a.opts.Broker, a.opts.ClientID, a.opts.Username, a.opts.Password, a.log)
	if a.opts.TLS != nil {
		o.SetTLSConfig(a.opts.TLS)
	}
	return o.
		SetCleanSession(false).
		SetOrderMatters(true).
		SetAutoAckDisabled(true).
		// Queued messages arrive right after CONNACK, before Subscribe
		// returns: they come to the default handler.
		SetDefaultPublishHandler(a.onMessage).
		SetOnConnectHandler(a.onConnect).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			a.conn.Add(1) // what that connection delivered is not acknowledged now (ingest.go)
			a.log.Warn().Err(err).Msg("mqtt connection lost; reconnecting")
		})
}

// Run connects (retrying until the broker answers) and serves until ctx
// ends, then stops the ingest (what is queued stays unacknowledged: the
// broker delivers it again), disconnects and waits for relay starts in
// flight. Call it once.
func (a *Alerts) Run(ctx context.Context) error {
	defer context.AfterFunc(ctx, a.end)()
	ingested := make(chan struct{})
	go func() {
		defer close(ingested)
		a.ingest()
	}()
	err := busclient.ConnectUntil(ctx, a.client, "alerts", a.opts.Broker)
	a.end()
	<-ingested
	a.client.Disconnect(250)
	a.relays.Wait()
	return err
}

// Ready is closed once the subscription to the anomalies is acknowledged.
func (a *Alerts) Ready() <-chan struct{} { return a.ready }

// onConnect subscribes on every connect, until the broker accepts; it
// keeps the subscription with the session, asking again is harmless.
func (a *Alerts) onConnect(c mqtt.Client) {
	go func() {
		if err := busclient.SubscribeUntil(context.Background(), c, map[string]busclient.Subscription{bus.AllAnomalies: {QoS: 1, Handler: a.onMessage}}, a.log); err != nil {
			a.log.Warn().Err(err).Msg("subscribe to anomalies: the next connection asks again")
			return
		}
		a.log.Info().Str("broker", a.opts.Broker).Str("client_id", a.opts.ClientID).Msg("following anomalies")
		a.readyOne.Do(func() { close(a.ready) })
	}()
}

// Subscribe calls fn with every anomaly record the store applied, or
// holds already from the very event received (another replica sharing
// the store applied it first; or a redelivery), and every acknowledgement or resolution made through Alerts), in order, on a
// goroutine of its own, until cancel. It never holds up the MQTT callback:
// a slow fn misses records (counted in the metrics).
func (a *Alerts) Subscribe(fn func(store.Anomaly)) (cancel func()) { return a.anomalies.Subscribe(fn) }

// SubscribeBatch calls fn with the records Subscribe's fn gets, in the
// same order, a stored batch's together (one call per batch, not per
// record: the console's event stream fans a typhoon's batch out under one
// lock, and each console gets it in one write), on a goroutine of its
// own, until cancel. A slow fn misses batches (counted in the metrics).
func (a *Alerts) SubscribeBatch(fn func([]store.Anomaly)) (cancel func()) {
	return a.batches.Subscribe(fn)
}

// batchBuffer is each batch listener's queue, in batches: as many records
// as the record listeners' (EventBuffer) once batches hold 16 records, and
// more at a trickle, when each record is a batch of its own.
const batchBuffer = 256

// SubscribeWall calls fn with the whole wall after every change, as Subscribe does.
func (a *Alerts) SubscribeWall(fn func([]store.WallEntry)) (cancel func()) {
	return a.walls.Subscribe(fn)
}
