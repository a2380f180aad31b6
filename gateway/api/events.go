package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/store"
)

// event is one server-sent event for the subscribers allow admits: the
// same frame for all, or, when render is set, one rendered per subscriber
// (ok=false: not for that one). A render may keep what it rendered for
// one scope for the next subscriber of the same scope (sc.key): publish
// calls it for one subscriber at a time.
type event struct {
	name   string
	frame  []byte
	allow  func(sc *scope) bool
	render func(p access.Principal, sc *scope) (data []byte, ok bool)
}

// frameFor is the wire form of ev for one subscriber, nil when not for it.
func (ev event) frameFor(sub *subscriber) []byte {
	if ev.render == nil {
		if ev.allow(&sub.scope) {
			return ev.frame
		}
		return nil
	}
	if data, ok := ev.render(sub.p, &sub.scope); ok {
		return frame(ev.name, data)
	}
	return nil
}

// scope is a subscriber's sites, looked up once at connect and not per
// event: a storm's event goes to 100 consoles, 10,000 times a second.
type scope struct {
	all   bool
	sites map[string]bool
	key   string // the same for subscribers covering the same sites
}

func scopeOf(p access.Principal) scope {
	sc := scope{all: p.AllSites(), sites: make(map[string]bool, len(p.Sites))}
	for _, site := range p.Sites {
		sc.sites[site] = true
	}
	sorted := slices.Clone(p.Sites)
	slices.Sort(sorted)
	sc.key = strings.Join(sorted, "\x00")
	if sc.all {
		sc.key = access.AllSites
	}
	return sc
}

// covers is access.Principal.Covers on the looked-up sites.
func (sc *scope) covers(site string) bool { return sc.all || site != "" && sc.sites[site] }

// subscriber is one SSE client: a bounded queue, closed gone when dropped.
type subscriber struct {
	p     access.Principal
	scope scope
	ch    chan []byte
	gone  chan struct{}
	buf   []byte // gather's, reused: written before the next gather
}

// maxWrite bounds the frames gathered into one write.
const maxWrite = 256 << 10

// gather is first followed by the frames already queued, up to maxWrite
// bytes: in a storm (10,000 anomalies a second) a client gets one write
// and one flush for each burst of events, not one per event, and keeps
// up. Nothing waits for more: a lone event goes out at once.
func (sub *subscriber) gather(first []byte) []byte {
	if len(sub.ch) == 0 {
		return first
	}
	buf := append(sub.buf[:0], first...)
	for len(buf) < maxWrite {
		select {
		case b := <-sub.ch:
			buf = append(buf, b...)
		default:
			sub.buf = buf
			return buf
		}
	}
	sub.buf = buf
	return buf
}

// hub fans events out to the SSE clients. Publishing never blocks: a client
// whose queue is full is dropped (its stream ends and the console
// reconnects and reloads), so one slow client never holds up the others.
type hub struct {
	size int
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

func newHub(size int) *hub { return &hub{size: size, subs: map[*subscriber]struct{}{}} }

// join adds a subscriber for p, unless p already holds perUser of them.
func (h *hub) join(p access.Principal, perUser int) (*subscriber, bool) {
	sub := &subscriber{p: p, scope: scopeOf(p), ch: make(chan []byte, h.size), gone: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for other := range h.subs {
		if other.p.Name == p.Name {
			n++
		}
	}
	if n >= perUser {
		return nil, false
	}
	h.subs[sub] = struct{}{}
	return sub, true
}

func (h *hub) leave(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(sub)
}

func (h *hub) dropLocked(sub *subscriber) {
	if _, ok := h.subs[sub]; ok {
		delete(h.subs, sub)
		close(sub.gone)
	}
}

// count is the number of connected clients.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// publish queues ev for every subscriber allowed to see it.
func (h *hub) publish(ev event) (dropped int) { return h.publishAll([]event{ev}) }

// publishAll queues evs, in order, for every subscriber allowed to see
// each, under one lock: a batch's frames are all queued before a
// client's writer wakes up, which then sends them in one write.
func (h *hub) publishAll(evs []event) (dropped int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		for _, ev := range evs {
			f := ev.frameFor(sub)
			if f == nil {
				continue
			}
			select {
			case sub.ch <- f:
				continue
			default:
				h.dropLocked(sub)
				dropped++
			}
			break
		}
	}
	return dropped
}

// frame is the wire form of one event.
func frame(name string, data []byte) []byte {
	b := make([]byte, 0, len("event: \ndata: \n\n")+len(name)+len(data))
	b = append(append(append(b, "event: "...), name...), "\ndata: "...)
	return append(append(b, data...), "\n\n"...)
}

// ofSite is v, encoded once, for the subscribers covering site.
func ofSite(name, site string, v any) event {
	data, err := json.Marshal(v)
	return event{name: name, frame: frame(name, data), allow: func(sc *scope) bool {
		return err == nil && sc.covers(site)
	}}
}

// PublishAnomaly sends an anomaly record to the clients of its site.
func (s *Server) PublishAnomaly(a store.Anomaly) { s.publish(ofSite("anomaly", a.Site, a)) }

// PublishAnomalies sends records, in order, each to the clients of its
// site, as PublishAnomaly one after the other would, under one lock.
func (s *Server) PublishAnomalies(as []store.Anomaly) {
	evs := make([]event, len(as))
	for i, a := range as {
		evs[i] = ofSite("anomaly", a.Site, a)
	}
	if n := s.hub.publishAll(evs); n > 0 {
		s.log.Warn().Int("clients", n).Str("event", "anomaly").Msg("dropped slow event-stream clients")
		s.metrics.dropped(n)
	}
}

// PublishCamera sends a camera status to the clients of its site.
func (s *Server) PublishCamera(c bus.CameraStatus) { s.publish(ofSite("camera", c.Site, c)) }

// PublishEdge sends an edge status to the clients that see the edge
// (every-site clients, or those covering one of its cameras, naming only those).
func (s *Server) PublishEdge(e bus.EdgeStatus) {
	whole, err := json.Marshal(e)
	sites := s.sitesOf(e.Cameras) // looked up once, not per client
	s.publish(event{name: "edge", render: func(p access.Principal, _ *scope) ([]byte, bool) {
		if p.AllSites() {
			return whole, err == nil
		}
		var mine []string
		for i, cam := range e.Cameras {
			if p.Covers(sites[i]) {
				mine = append(mine, cam)
			}
		}
		if len(mine) == 0 {
			return nil, false
		}
		scoped := e
		scoped.Cameras, scoped.CamerasOnline = mine, s.online(mine)
		data, err := json.Marshal(scoped)
		return data, err == nil
	}})
}

// sitesOf is the site of each camera ("" when the catalog does not know it).
func (s *Server) sitesOf(cams []string) []string {
	out := make([]string, len(cams))
	for i, cam := range cams {
		if st, ok := s.opts.Cameras.Camera(cam); ok {
			out[i] = st.Site
		}
	}
	return out
}

// PublishWall sends the wall to every client, each its sites' entries,
// encoded once per scope (not once per client).
func (s *Server) PublishWall(entries []store.WallEntry) {
	rendered := map[string][]byte{}
	s.publish(event{name: "wall", render: func(_ access.Principal, sc *scope) ([]byte, bool) {
		if data, ok := rendered[sc.key]; ok {
			return data, data != nil
		}
		data, err := json.Marshal(map[string]any{"items": wallOf(entries, sc.covers)})
		if err != nil {
			data = nil
		}
		rendered[sc.key] = data
		return data, data != nil
	}})
}

func (s *Server) publish(ev event) {
	if n := s.hub.publish(ev); n > 0 {
		s.log.Warn().Int("clients", n).Str("event", ev.name).Msg("dropped slow event-stream clients")
		s.metrics.dropped(n)
	}
}

// writeTimeout bounds one write to an SSE client: a stuck connection ends.
const writeTimeout = 10 * time.Second

// events streams the caller's events until the client leaves, lags too
// far, logs out or its session expires.
func (s *Server) events(c *call) {
	rc := http.NewResponseController(c.w)
	sub, ok := s.hub.join(c.p, s.opts.Limits.SSEPerUser)
	if !ok {
		c.w.Header().Set("Retry-After", "30")
		c.fail(http.StatusTooManyRequests, fmt.Sprintf("too many event streams: %s has %d open (limits.sse_per_user); close a console tab", c.p.Name, s.opts.Limits.SSEPerUser))
		return
	}
	s.metrics.clients(s.hub.count())
	defer func() {
		s.hub.leave(sub)
		s.metrics.clients(s.hub.count())
	}()
	c.w.Header().Set("Content-Type", "text/event-stream")
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.Header().Set("X-Accel-Buffering", "no")
	c.w.WriteHeader(http.StatusOK)
	s.auditCall(c, "events", http.StatusOK) // now, not when the stream ends hours later
	hello, _ := json.Marshal(map[string]any{"user": infoOf(c.p)})
	send := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := c.w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send(frame("hello", hello)) {
		return
	}
	ping := time.NewTicker(s.opts.Ping)
	defer ping.Stop()
	expiry := time.NewTimer(c.expires.Sub(s.opts.Now()))
	defer expiry.Stop()
	for {
		select {
		case <-c.r.Context().Done():
			return
		case <-sub.gone:
			return
		case <-expiry.C:
			send(frame("bye", []byte(`{"reason":"session expired"}`)))
			return
		case b := <-sub.ch:
			if !send(sub.gather(b)) {
				return
			}
		case <-ping.C:
			if _, _, err := s.opts.Auth.Resolve(c.r.Context(), c.token); err != nil {
				send(frame("bye", []byte(`{"reason":"session ended"}`)))
				return
			}
			if !send([]byte(": ping\n\n")) {
				return
			}
		}
	}
}

// Shutdown ends every event stream (they would otherwise hold a graceful
// HTTP shutdown until its deadline); the console reconnects to the next gateway.
func (s *Server) Shutdown() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for sub := range s.hub.subs {
		s.hub.dropLocked(sub)
	}
}

// PublishIncident sends an incident (without its timeline) to the clients
// covering any of its sites.
func (s *Server) PublishIncident(inc store.Incident) {
	data, err := json.Marshal(inc)
	f := frame("incident", data)
	s.publish(event{name: "incident", frame: f, allow: func(sc *scope) bool {
		if err != nil {
			return false
		}
		if sc.covers(inc.Site) {
			return true
		}
		for _, site := range inc.Sites {
			if sc.covers(site) {
				return true
			}
		}
		return false
	}})
}
