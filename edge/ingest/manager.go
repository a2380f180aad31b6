package ingest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/edge/hub"
)

// SubSuffix is appended to a camera id to name the hub stream of its
// detection substream. Camera ids cannot contain '/', so it never clashes.
const SubSuffix = "/sub"

// Manager runs the pulls of all configured cameras.
type Manager struct {
	hub    *hub.Hub
	log    zerolog.Logger
	ctx    context.Context
	notify func(StateEvent)

	mu     sync.Mutex
	ingest configs.Ingest
	cams   map[string]*camera
}

// camera is a configured camera and its running feeds.
type camera struct {
	cfg       configs.Camera
	main, sub *feed // nil when disabled / without substream
}

// Changes summarises what Apply did.
type Changes struct {
	// Added, Removed and Restarted list camera ids. A camera restarts when
	// how it is pulled changed: URLs, transport, credentials, disabled.
	Added, Removed, Restarted []string
	// Updated lists cameras whose description alone changed (site, name,
	// location): their pulls run on untouched with the new description.
	Updated []string
	// Unchanged counts cameras whose config did not change.
	Unchanged int
	// Ingest tells that the shared pull settings changed: running pulls
	// take the backoff and timeouts from their next attempt.
	Ingest bool
}

// New returns a manager whose pulls live until ctx ends or Close. onState,
// when not nil, is called on every state change of a camera stream (to
// publish status, or to await a state in tests); it must not block.
func New(ctx context.Context, h *hub.Hub, log zerolog.Logger, onState func(StateEvent)) *Manager {
	if onState == nil {
		onState = func(StateEvent) {}
	}
	return &Manager{hub: h, log: log, ctx: ctx, notify: onState, cams: map[string]*camera{}}
}

// Apply reconciles the running pulls with cfg, which must be valid. Only
// cameras pulled differently restart; the others keep their pulls and
// consumers, and are handed their new description and the ingest settings.
// The hub's bounds (consumer_queue, gop_cache_mb) are the hub's, fixed
// when the edge starts: Apply ignores them.
func (m *Manager) Apply(cfg *configs.Edge) Changes {
	m.mu.Lock()
	defer m.mu.Unlock()
	// The first Apply finds zero settings: defaults fill every valid config.
	first := m.ingest == configs.Ingest{}
	ch := Changes{Ingest: !first && pullSettings(cfg.Ingest) != pullSettings(m.ingest)}
	m.ingest = cfg.Ingest
	want := map[string]configs.Camera{}
	for _, c := range cfg.Cameras {
		want[c.ID] = c
	}
	for id, cam := range m.cams {
		if _, ok := want[id]; !ok {
			m.stop(cam, nil)
			delete(m.cams, id)
			ch.Removed = append(ch.Removed, id)
		}
	}
	for _, c := range cfg.Cameras {
		old, ok := m.cams[c.ID]
		switch {
		case !ok:
			ch.Added = append(ch.Added, c.ID)
			m.cams[c.ID] = m.start(c)
		case !old.cfg.SamePull(c):
			m.stop(old, &c)
			ch.Restarted = append(ch.Restarted, c.ID)
			m.cams[c.ID] = m.start(c)
		default:
			if old.cfg.Same(c) {
				ch.Unchanged++
			} else {
				ch.Updated = append(ch.Updated, c.ID)
			}
			m.cams[c.ID] = m.hand(old, c)
		}
	}
	sort.Strings(ch.Removed)
	return ch
}

// pullSettings is what the pulls use of the ingest settings: the rest
// sizes the hub.
func pullSettings(i configs.Ingest) configs.Ingest {
	i.ConsumerQueue, i.GOPCacheMB = 0, 0
	return i
}

// start launches the feeds of a camera. A restarted camera reuses its hub
// streams, so its consumers stay subscribed.
func (m *Manager) start(c configs.Camera) *camera {
	cam := &camera{cfg: c}
	if c.Disabled {
		return cam
	}
	cam.main = newFeed(c.Main, m.setup(c, "main"), m.hub.Open(c.ID), m.notify)
	cam.main.start(m.ctx)
	if c.Sub != "" {
		cam.sub = newFeed(c.Sub, m.setup(c, "sub"), m.hub.Open(c.ID+SubSuffix), m.notify)
		cam.sub.start(m.ctx)
	}
	return cam
}

// hand gives a camera's running feeds its new description and the current
// ingest settings. The camera is a new value, so Status, which reads
// cameras outside the lock, never sees one half-changed.
func (m *Manager) hand(old *camera, c configs.Camera) *camera {
	if old.main != nil {
		old.main.setup.Store(m.setup(c, "main"))
	}
	if old.sub != nil {
		old.sub.setup.Store(m.setup(c, "sub"))
	}
	return &camera{cfg: c, main: old.main, sub: old.sub}
}

// setup is what the feed of stream (main or sub) of c runs with.
func (m *Manager) setup(c configs.Camera, stream string) *setup {
	return &setup{cam: c, ing: m.ingest,
		log: m.log.With().Str("camera", c.ID).Str("site", c.Site).Str("stream", stream).Logger()}
}

// stop ends a camera's feeds and closes the hub streams that the next
// config no longer has: both when the camera is gone, the substream's when
// only it is.
func (m *Manager) stop(cam *camera, next *configs.Camera) {
	for _, f := range []*feed{cam.main, cam.sub} {
		if f != nil {
			f.stop()
		}
	}
	if next == nil {
		m.hub.Remove(cam.cfg.ID)
	}
	if next == nil || next.Sub == "" {
		m.hub.Remove(cam.cfg.ID + SubSuffix)
	}
}

// Close stops every pull and waits for them.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, cam := range m.cams {
		m.stop(cam, nil)
		delete(m.cams, id)
	}
}

// Measure refreshes every feed's fps and bitrate; the edge calls it on a
// ticker so rates cover a steady period whoever asks.
func (m *Manager) Measure(now time.Time) {
	for _, f := range m.feeds() {
		f.measure(now)
	}
}

func (m *Manager) feeds() []*feed {
	m.mu.Lock()
	defer m.mu.Unlock()
	var fs []*feed
	for _, cam := range m.cams {
		for _, f := range []*feed{cam.main, cam.sub} {
			if f != nil {
				fs = append(fs, f)
			}
		}
	}
	return fs
}

// Status returns every camera's status, sorted by site then id.
func (m *Manager) Status() []Status {
	m.mu.Lock()
	cams := make([]*camera, 0, len(m.cams))
	for _, c := range m.cams {
		cams = append(cams, c)
	}
	m.mu.Unlock()
	out := make([]Status, 0, len(cams))
	for _, c := range cams {
		out = append(out, c.status(m.hub))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Site != out[j].Site {
			return out[i].Site < out[j].Site
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (c *camera) status(h *hub.Hub) Status {
	st := Status{ID: c.cfg.ID, Site: c.cfg.Site, Name: c.cfg.Name, Location: c.cfg.Location,
		State: StateDisabled, Consumers: []ConsumerStatus{}}
	if c.main == nil {
		st.Main = FeedStatus{State: StateDisabled}
		return st
	}
	st.Main = c.main.status()
	st.State = st.Main.State
	if c.sub != nil {
		sub := c.sub.status()
		st.Sub = &sub
	}
	if s := h.Stream(c.cfg.ID); s != nil {
		for _, r := range s.Readers() {
			st.Consumers = append(st.Consumers, ConsumerStatus{Name: r.Name(), Delivered: r.Delivered(), Dropped: r.Dropped()})
		}
	}
	return st
}
