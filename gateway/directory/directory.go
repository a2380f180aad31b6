package directory

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/gateway/notify"
)

// Options configure a Directory.
type Options struct {
	// Broker is the MQTT broker's URL, e.g. "tcp://127.0.0.1:1883".
	Broker string
	// ClientID is the MQTT client id (default "argus-gateway-directory").
	ClientID string
	// Username and Password authenticate to the broker when it asks.
	Username, Password string
	// TLS, when set, is used for an ssl:// Broker.
	TLS *tls.Config
	// Log receives the directory's logs.
	Log zerolog.Logger
	// EventBuffer is each Subscribe listener's queue (default notify.DefaultBuffer).
	EventBuffer int
	// Retained, when set, reads the broker's retained statuses whole on
	// every (re)connect: a subscription alone may get an incomplete set
	// from NATS (gateway/broker.Retained says why). Nil relies on the
	// subscription, as with mosquitto.
	Retained RetainedReader
	// NoCameraStatus leaves the retained camera statuses out of the MQTT
	// subscription: they come through Put and Forget instead (the fleet's
	// argus-status bucket; a district's 41,000 are too many for one `#`).
	NoCameraStatus bool
	// Accept, when set, tells whether a camera status comes from the
	// camera's current owner; others are dropped (the fleet's filter).
	Accept func(bus.CameraStatus) bool
}

// RetainedReader reads a broker's retained messages whole: every topic
// matching an MQTT filter once, with its latest payload (nil when cleared).
type RetainedReader interface {
	Read(ctx context.Context, filter string, fn func(topic string, payload []byte)) (int, error)
}

// Directory follows the retained camera and edge statuses and carries
// commands to edges. Build it with New, serve it with Run.
type Directory struct {
	opts   Options
	log    zerolog.Logger
	client mqtt.Client
	ready  chan struct{} // closed once subscribed and the retained statuses read
	// subWait bounds the wait for the broker's SUBACK before the
	// retained statuses are read anyway.
	subWait time.Duration
	events  *notify.Hub[Event]

	mu      sync.RWMutex
	cameras map[string]bus.CameraStatus // by camera id
	catalog catalog                     // the same cameras sorted by id, with site counts
	edges   map[string]bus.EdgeStatus   // by edge id
	pending map[string]awaiting         // by request id
	stale   atomic.Uint64               // statuses Options.Accept refused
	replays func(edge string, r bus.ReplayReport)
}

// New sets up a Directory; nothing connects until Run.
func New(opts Options) *Directory {
	if opts.ClientID == "" {
		opts.ClientID = "argus-gateway-directory"
	}
	d := &Directory{opts: opts, log: opts.Log.With().Str("component", "directory").Logger(),
		ready: make(chan struct{}), subWait: 10 * time.Second, events: notify.New[Event](opts.EventBuffer),
		cameras: map[string]bus.CameraStatus{}, catalog: newCatalog(),
		edges: map[string]bus.EdgeStatus{}, pending: map[string]awaiting{}}
	o := busclient.ServiceOptions(opts.Broker, opts.ClientID, opts.Username, opts.Password, d.log).
		SetCleanSession(true).
		// In order: a camera's offline then online must not be swapped,
		// nor a status and its clearing. Every handler returns at once.
		SetOrderMatters(true).
		SetOnConnectHandler(d.onConnect)
	if opts.TLS != nil {
		o.SetTLSConfig(opts.TLS)
	}
	d.client = mqtt.NewClient(o)
	return d
}

// Run connects (retrying until the broker answers) and serves until ctx
// ends, then disconnects.
func (d *Directory) Run(ctx context.Context) error {
	if err := busclient.ConnectUntil(ctx, d.client, "directory", d.opts.Broker); err != nil {
		return err
	}
	d.client.Disconnect(250)
	return nil
}

// Ready is closed once the directory has subscribed to the statuses and
// the replies (or waited for the broker to acknowledge it) and read the
// retained statuses, when it has a RetainedReader.
func (d *Directory) Ready() <-chan struct{} { return d.ready }

// onConnect subscribes on every (re)connect: the session is clean.
func (d *Directory) onConnect(c mqtt.Client) {
	subs := map[string]busclient.Subscription{}
	for _, f := range []string{bus.AllCameraStatus, bus.AllEdgeStatus, bus.AllReplies, bus.AllReplays} {
		if f != bus.AllCameraStatus || !d.opts.NoCameraStatus {
			subs[f] = busclient.Subscription{QoS: 1, Handler: d.onMessage}
		}
	}
	subscribed := make(chan error, 1)
	go func() { subscribed <- busclient.SubscribeUntil(context.Background(), c, subs, d.log) }()
	go func() {
		// The retained statuses are read whatever the broker answers: NATS
		// acknowledges a SUBSCRIBE only once it has loaded the retained
		// messages for it, which may take its whole 30 s API timeout.
		select {
		case err := <-subscribed:
			if err != nil {
				d.log.Warn().Err(err).Msg("subscribe to statuses and replies: the next connection asks again")
			}
		case <-time.After(d.subWait):
			d.log.Warn().Dur("waited", d.subWait).Msg("subscribe to statuses and replies not acknowledged yet; reading the retained statuses meanwhile")
		}
		d.readRetained()
		// Edge statuses too; the message stays as gateway tests await it.
		d.log.Info().Str("broker", d.opts.Broker).Msg("following camera statuses")
		select {
		case <-d.ready:
		default:
			close(d.ready)
		}
	}()
}

// onMessage dispatches a status or a reply.
func (d *Directory) onMessage(_ mqtt.Client, m mqtt.Message) {
	t, err := bus.ParseTopic(m.Topic())
	if err != nil {
		d.log.Warn().Err(err).Msg("ignored message")
		return
	}
	switch t.Kind {
	case bus.KindCameraStatus:
		d.status(t, m.Payload(), false)
	case bus.KindEdgeStatus:
		d.edgeStatus(t, m.Payload(), false)
	case bus.KindReply:
		d.reply(t, m.Payload())
	case bus.KindReplay:
		d.replay(t, m.Payload())
	}
}

// status records (or, on an empty payload, forgets) one camera's status
// and tells the listeners. A status from a retained snapshot (read after
// the subscription started) neither clears nor replaces one as new.
func (d *Directory) status(t bus.Topic, payload []byte, snapshot bool) {
	if len(payload) == 0 {
		if snapshot {
			return
		}
		d.mu.Lock()
		cs, ok := d.cameras[t.Camera]
		ok = ok && cs.Site == t.Site // the camera may have moved to another site's topic
		if ok {
			delete(d.cameras, t.Camera)
			d.catalog.remove(cs)
			d.events.Publish(Event{Kind: EventCamera, Camera: &cs, Removed: true}) // never blocks
		}
		d.mu.Unlock()
		return
	}
	var cs bus.CameraStatus
	if err := json.Unmarshal(payload, &cs); err != nil {
		d.log.Warn().Err(err).Str("topic", t.Name()).Msg("ignored camera status: bad JSON")
		return
	}
	if cs.Camera != "" && cs.Camera != t.Camera || cs.Site != "" && cs.Site != t.Site || bus.ValidID(cs.Edge) != nil {
		d.log.Warn().Str("topic", t.Name()).Str("camera", cs.Camera).Str("site", cs.Site).Str("edge", cs.Edge).
			Msg("ignored camera status: camera, site or edge do not match the topic")
		return
	}
	cs.Camera, cs.Site = t.Camera, t.Site
	d.put(cs, snapshot)
}

// Put records a camera's status (from a source other than MQTT: the
// fleet's status bucket) and tells the listeners; a status Options.Accept
// refuses is dropped, and so is one without a valid camera, site or edge.
// It reports whether the status was recorded.
func (d *Directory) Put(cs bus.CameraStatus) bool { return d.put(cs, false) }

// put is Put; a status from a retained snapshot (read after the
// subscription started) does not replace one as new.
func (d *Directory) put(cs bus.CameraStatus, snapshot bool) bool {
	if bus.ValidID(cs.Camera) != nil || bus.ValidID(cs.Site) != nil || bus.ValidID(cs.Edge) != nil {
		d.log.Warn().Str("camera", cs.Camera).Str("site", cs.Site).Str("edge", cs.Edge).Msg("ignored camera status: bad camera, site or edge")
		return false
	}
	if d.opts.Accept != nil && !d.opts.Accept(cs) {
		d.stale.Add(1)
		d.log.Debug().Str("camera", cs.Camera).Str("edge", cs.Edge).Uint64("epoch", cs.Epoch).Msg("ignored camera status: not from the camera's current owner")
		return false
	}
	d.mu.Lock()
	old, had := d.cameras[cs.Camera]
	// The same status twice (the subscription's retained copy and the
	// snapshot's) is one: no event.
	if had && (cs == old || snapshot && !cs.Time.After(old.Time.Time)) {
		d.mu.Unlock()
		return false
	}
	d.cameras[cs.Camera] = cs
	d.catalog.put(cs, old, had)
	// Under the lock, so a reader that sees the change knows its event is queued.
	d.events.Publish(Event{Kind: EventCamera, Camera: &cs})
	d.mu.Unlock()
	if !had {
		// After the update: whoever reads this line finds the camera in Lookup.
		d.log.Debug().Str("camera", cs.Camera).Str("site", cs.Site).Str("edge", cs.Edge).Msg("camera known")
	}
	return true
}

// Forget removes a camera's status (its key was deleted) and tells the listeners.
func (d *Directory) Forget(camera string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if cs, ok := d.cameras[camera]; ok {
		delete(d.cameras, camera)
		d.catalog.remove(cs)
		d.events.Publish(Event{Kind: EventCamera, Camera: &cs, Removed: true}) // never blocks
	}
}

// Stale counts the camera statuses dropped as not from the camera's owner.
func (d *Directory) Stale() uint64 { return d.stale.Load() }

// Lookup returns the edge that owns camera and the camera's site; ok is
// false for a camera no edge has reported.
func (d *Directory) Lookup(camera string) (edge, site string, ok bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	cs, ok := d.cameras[camera]
	return cs.Edge, cs.Site, ok
}

// Camera returns the camera's latest status.
func (d *Directory) Camera(camera string) (bus.CameraStatus, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	cs, ok := d.cameras[camera]
	return cs, ok
}

// Len is the number of cameras known.
func (d *Directory) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.cameras)
}

// ErrNotConnected is returned by Command while the broker is unreachable.
var ErrNotConnected = errors.New("directory: not connected to the MQTT broker")
