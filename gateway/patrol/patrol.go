package patrol

import (
	"context"
	"crypto/tls"
	"errors"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/gateway/notify"
	"github.com/argus-edge/argus/gateway/store"
)

// Commander carries a command to an edge and returns its reply
// (*directory.Directory).
type Commander interface {
	Command(ctx context.Context, edge string, cmd bus.Command) (bus.Reply, error)
}

// Auditor records what was done on nobody's request (auto_dispatch) in the
// audit log (store.Store); the API audits the calls it serves itself.
type Auditor interface {
	Audit(ctx context.Context, e store.AuditEntry) error
}

// Options configure a Service; Broker and Commands are required.
type Options struct {
	// Broker is the MQTT broker's URL, e.g. "tcp://127.0.0.1:1883".
	Broker string
	// ClientID is the MQTT client id (default "argus-gateway-patrol").
	ClientID string
	// Username and Password authenticate to the broker when it asks.
	Username, Password string
	// TLS, when set, is used for an ssl:// or tls:// Broker.
	TLS *tls.Config
	// Sites are the sites' airspaces by site id (configs/airspace.LoadDir);
	// a site without one has no routes and every launch there is refused.
	Sites map[string]*airspace.Site
	// Commands sends patrol_launch and patrol_abort to edges.
	Commands Commander
	// Cameras lists a site's cameras for the plan, with their locations
	// where known (the inventory's); a camera without one is drawn where
	// its anomalies said it is.
	Cameras func(site string) []PlanCamera
	// Audit records auto_dispatch launches and refusals; nil logs only.
	Audit Auditor
	// ByIncident: auto_dispatch acts per incident (DispatchIncident, called
	// by the incident grouping: one drone per fire, not one per camera
	// seeing it) instead of per anomaly start (OnAnomaly).
	ByIncident bool
	// MaxSpeed and Endurance are what the pre-flight assumes of a drone
	// whose telemetry does not carry its own max_speed and endurance_s
	// (default 10 m/s, 20 min).
	MaxSpeed  float64
	Endurance time.Duration
	// TelemetryEvery is the time between two telemetry events of one drone
	// to listeners, on average (default 500 ms: 2 Hz); changes of state,
	// link, arming or mode pass at once.
	TelemetryEvery time.Duration
	// CommandTimeout bounds one command's round trip to an edge (default 10 s).
	CommandTimeout time.Duration
	// EventBuffer is each listener's queue (default notify.DefaultBuffer).
	EventBuffer int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives the service's logs.
	Log zerolog.Logger
}

// Service follows the drones and launches their patrols. Build it with
// New, serve it with Run.
type Service struct {
	opts   Options
	log    zerolog.Logger
	client mqtt.Client
	ready  chan struct{}
	once   sync.Once
	events *notify.Hub[Event]
	life   context.Context // ends with Run: bounds auto_dispatch launches
	end    context.CancelFunc
	work   sync.WaitGroup // auto_dispatch launches in flight
	stats  counters

	mu         sync.Mutex
	drones     map[string]*drone
	cameraGeo  map[string]bus.Geo   // fixed cameras' locations, from their anomalies
	dispatched map[string]time.Time // anomalies auto_dispatch acted on, when
}

// New checks opts and sets up a Service; nothing connects until Run.
func New(opts Options) (*Service, error) {
	if opts.Broker == "" || opts.Commands == nil {
		return nil, errors.New("patrol: a broker and a commander are required")
	}
	if opts.ClientID == "" {
		opts.ClientID = "argus-gateway-patrol"
	}
	if opts.MaxSpeed <= 0 {
		opts.MaxSpeed = 10
	}
	if opts.Endurance <= 0 {
		opts.Endurance = 20 * time.Minute
	}
	if opts.TelemetryEvery <= 0 {
		opts.TelemetryEvery = 500 * time.Millisecond
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Cameras == nil {
		opts.Cameras = func(string) []PlanCamera { return nil }
	}
	s := &Service{opts: opts, log: opts.Log.With().Str("component", "patrol").Logger(), ready: make(chan struct{}),
		events: notify.New[Event](opts.EventBuffer), drones: map[string]*drone{},
		cameraGeo: map[string]bus.Geo{}, dispatched: map[string]time.Time{}}
	s.life, s.end = context.WithCancel(context.Background())
	o := busclient.ServiceOptions(opts.Broker, opts.ClientID, opts.Username, opts.Password, s.log).
		SetCleanSession(true).
		SetOrderMatters(true). // a patrol's progress in order; handlers return at once
		SetOnConnectHandler(s.onConnect)
	if opts.TLS != nil {
		o.SetTLSConfig(opts.TLS)
	}
	s.client = mqtt.NewClient(o)
	return s, nil
}

// Run connects (retrying until the broker answers) and serves until ctx
// ends, then disconnects and waits for auto_dispatch launches in flight.
func (s *Service) Run(ctx context.Context) error {
	defer context.AfterFunc(ctx, s.end)()
	if err := busclient.ConnectUntil(ctx, s.client, "patrol", s.opts.Broker); err != nil {
		return err
	}
	s.end()
	s.client.Disconnect(250)
	s.work.Wait()
	return nil
}

// Ready is closed once the telemetry and patrol topics are subscribed.
func (s *Service) Ready() <-chan struct{} { return s.ready }

// Subscribe calls fn with every event from now on, in order, on a
// goroutine of its own, until cancel (which must not be called from fn).
func (s *Service) Subscribe(fn func(Event)) (cancel func()) { return s.events.Subscribe(fn) }

// onConnect subscribes on every (re)connect: the session is clean, and
// the retained telemetry comes again.
func (s *Service) onConnect(c mqtt.Client) {
	subs := map[string]busclient.Subscription{bus.AllDroneTelemetry: {QoS: 0, Handler: s.onMessage}, bus.AllDronePatrols: {QoS: 1, Handler: s.onMessage}}
	go func() {
		if err := busclient.SubscribeUntil(context.Background(), c, subs, s.log); err != nil {
			s.log.Warn().Err(err).Msg("subscribe to drone telemetry and patrols: the next connection asks again")
			return
		}
		s.log.Info().Str("broker", s.opts.Broker).Msg("following drones")
		s.once.Do(func() { close(s.ready) })
	}()
}

// onMessage dispatches one telemetry or progress message; a bad one is
// logged and dropped.
func (s *Service) onMessage(_ mqtt.Client, m mqtt.Message) {
	t, err := bus.ParseTopic(m.Topic())
	if err != nil {
		s.log.Warn().Err(err).Msg("ignored message")
		return
	}
	switch t.Kind {
	case bus.KindDroneTelemetry:
		s.stats.telemetry.Add(1)
		err = s.telemetry(t.Drone, m.Payload())
	case bus.KindDronePatrols:
		s.stats.progress.Add(1)
		err = s.progress(t.Drone, m.Payload())
	}
	if err != nil {
		s.stats.rejected.Add(1)
		s.log.Warn().Err(err).Str("topic", m.Topic()).Int("bytes", len(m.Payload())).Msg("ignored drone message")
	}
}
