package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
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
	evs := framesOf("anomaly", as, func(a store.Anomaly) string { return a.Site })
	if n := s.hub.publishAll(evs); n > 0 {
		s.log.Warn().Int("clients", n).Str("event", "anomaly").Msg("dropped slow event-stream clients")
		s.metrics.dropped(n)
	}
}

// framesOf is ofSite of each of vs, their frames laid out in one buffer
// (a typhoon's batch is a thousand records: two allocations per record
// fewer than one Marshal and one frame each).
func framesOf[T any](name string, vs []T, site func(T) string) []event {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // HTML escaped, as Marshal: the same bytes and a newline
	ends := make([]int, len(vs))
	head := "event: " + name + "\ndata: "
	for i, v := range vs {
		start := buf.Len()
		buf.WriteString(head)
		if err := enc.Encode(v); err != nil {
			buf.Truncate(start) // no frame: nobody gets it, as ofSite's
		} else {
			buf.WriteByte('\n')
		}
		ends[i] = buf.Len()
		if i == 0 { // room for the others, if they are of the first's size
			buf.Grow(buf.Len()*(len(vs)-1) + buf.Len()/2)
		}
	}
	all, start := buf.Bytes(), 0
	evs := make([]event, len(vs))
	for i, v := range vs {
		f, st := all[start:ends[i]:ends[i]], site(v)
		evs[i] = event{name: name, frame: f, allow: func(sc *scope) bool { return len(f) > 0 && sc.covers(st) }}
		start = ends[i]
	}
	return evs
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
		case c := <-sub.ch:
			if !send(sub.gather(c)) {
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
func (s *Server) PublishIncident(inc store.Incident) { s.publish(incidentEvent(inc)) }

// PublishIncidents sends incidents, in order, as PublishIncident one after
// the other would, under one lock (a client gets them in one write).
func (s *Server) PublishIncidents(incs []store.Incident) {
	evs := make([]event, len(incs))
	for i, inc := range incs {
		evs[i] = incidentEvent(inc)
	}
	if n := s.hub.publishAll(evs); n > 0 {
		s.log.Warn().Int("clients", n).Str("event", "incident").Msg("dropped slow event-stream clients")
		s.metrics.dropped(n)
	}
}

// incidentEvent is inc, encoded once, for the clients covering any of its sites.
func incidentEvent(inc store.Incident) event {
	data, err := json.Marshal(inc)
	return event{name: "incident", frame: frame("incident", data), allow: func(sc *scope) bool {
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
	}}
}
