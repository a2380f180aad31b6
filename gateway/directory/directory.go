package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
)

// Options configure a Directory.
type Options struct {
	// Broker is the MQTT broker's URL, e.g. "tcp://127.0.0.1:1883".
	Broker string
	// ClientID is the MQTT client id (default "argus-gateway-directory").
	ClientID string
	// Username and Password authenticate to the broker when it asks.
	Username, Password string
	// Log receives the directory's logs.
	Log zerolog.Logger
}

// Directory follows the retained camera statuses and carries commands to
// edges. Build it with New, serve it with Run.
type Directory struct {
	opts   Options
	log    zerolog.Logger
	client mqtt.Client
	ready  chan struct{} // closed once the first subscriptions are acknowledged

	mu      sync.Mutex
	cameras map[string]bus.CameraStatus // by camera id
	pending map[string]awaiting         // by request id
}

// New sets up a Directory; nothing connects until Run.
func New(opts Options) *Directory {
	if opts.ClientID == "" {
		opts.ClientID = "argus-gateway-directory"
	}
	d := &Directory{opts: opts, log: opts.Log.With().Str("component", "directory").Logger(),
		ready: make(chan struct{}), cameras: map[string]bus.CameraStatus{}, pending: map[string]awaiting{}}
	o := mqtt.NewClientOptions().AddBroker(opts.Broker).
		SetClientID(opts.ClientID).
		SetUsername(opts.Username).
		SetPassword(opts.Password).
		SetCleanSession(true).
		SetOrderMatters(false).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(10 * time.Second).
		SetConnectTimeout(10 * time.Second).
		SetWriteTimeout(10 * time.Second).
		SetKeepAlive(30 * time.Second).
		SetOnConnectHandler(d.onConnect).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			d.log.Warn().Err(err).Msg("mqtt connection lost; reconnecting")
		})
	d.client = mqtt.NewClient(o)
	return d
}

// Run connects (retrying until the broker answers) and serves until ctx
// ends, then disconnects.
func (d *Directory) Run(ctx context.Context) error {
	tok := d.client.Connect() // with ConnectRetry the token completes once connected
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("directory: connect %s: %w", d.opts.Broker, err)
		}
	case <-ctx.Done():
	}
	<-ctx.Done()
	d.client.Disconnect(250)
	return nil
}

// Ready is closed once the directory is subscribed to the statuses and the
// replies (retained statuses then arrive shortly after).
func (d *Directory) Ready() <-chan struct{} { return d.ready }

// onConnect subscribes on every (re)connect: the session is clean.
func (d *Directory) onConnect(c mqtt.Client) {
	tok := c.SubscribeMultiple(map[string]byte{bus.AllCameraStatus: 1, bus.AllReplies: 1}, d.onMessage)
	go func() {
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			d.log.Error().Err(tok.Error()).Msg("subscribe to camera statuses and replies failed")
			return
		}
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
		d.status(t, m.Payload())
	case bus.KindReply:
		d.reply(t, m.Payload())
	}
}

// status records (or, on an empty payload, forgets) one camera's status.
func (d *Directory) status(t bus.Topic, payload []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(payload) == 0 {
		if cs, ok := d.cameras[t.Camera]; ok && cs.Site == t.Site {
			delete(d.cameras, t.Camera)
		}
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
	d.cameras[t.Camera] = cs
}

// Lookup returns the edge that owns camera and the camera's site; ok is
// false for a camera no edge has reported.
func (d *Directory) Lookup(camera string) (edge, site string, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cs, ok := d.cameras[camera]
	return cs.Edge, cs.Site, ok
}

// Camera returns the camera's latest status.
func (d *Directory) Camera(camera string) (bus.CameraStatus, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cs, ok := d.cameras[camera]
	return cs, ok
}

// Len is the number of cameras known.
func (d *Directory) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.cameras)
}

// ErrNotConnected is returned by Command while the broker is unreachable.
var ErrNotConnected = errors.New("directory: not connected to the MQTT broker")
