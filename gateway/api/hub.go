package api

import (
	"sync"
	"sync/atomic"

	"github.com/argus-edge/argus/gateway/access"
)

// chunk is what one publish queues for one subscriber: its frames, in
// order, in one piece, and how many events they are. Subscribers of the
// same scope share it (it is never written after it is queued): in a
// typhoon a batch of a thousand anomalies is laid out once for the ten
// commanders, not once per commander, and each writes it as it is.
type chunk struct {
	b []byte
	n int
}

// subscriber is one SSE client: a bounded queue, closed gone when dropped.
type subscriber struct {
	p      access.Principal
	scope  scope
	ch     chan chunk
	queued atomic.Int64 // events in ch: the lag bound is in events, not chunks
	gone   chan struct{}
	buf    []byte // gather's, reused: written before the next gather
}

// maxWrite bounds the frames gathered into one write (a chunk bigger than
// that is written as it is).
const maxWrite = 256 << 10

// gather is first followed by the chunks already queued, up to maxWrite
// bytes: in a storm (10,000 anomalies a second) a client gets one write
// and one flush for each burst of events, not one per event, and keeps
// up. Nothing waits for more: a lone chunk goes out at once, not copied.
func (sub *subscriber) gather(first chunk) []byte {
	sub.queued.Add(-int64(first.n))
	if len(sub.ch) == 0 || len(first.b) >= maxWrite {
		return first.b
	}
	buf := append(sub.buf[:0], first.b...)
	for len(buf) < maxWrite {
		select {
		case c := <-sub.ch:
			sub.queued.Add(-int64(c.n))
			buf = append(buf, c.b...)
		default:
			sub.buf = buf
			return buf
		}
	}
	sub.buf = buf
	return buf
}

// hub fans events out to the SSE clients. Publishing never blocks: a client
// more than size events behind is dropped (its stream ends and the console
// reconnects and reloads), so one slow client never holds up the others.
type hub struct {
	size int
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

func newHub(size int) *hub { return &hub{size: size, subs: map[*subscriber]struct{}{}} }

// join adds a subscriber for p, unless p already holds perUser of them.
func (h *hub) join(p access.Principal, perUser int) (*subscriber, bool) {
	sub := &subscriber{p: p, scope: scopeOf(p), ch: make(chan chunk, h.size), gone: make(chan struct{})}
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
// each, under one lock, as one chunk per subscriber: a batch's frames
// are all queued before a client's writer wakes up, which then sends them
// in one write. A subscriber they would put more than size events behind
// is dropped and gets none of them.
func (h *hub) publishAll(evs []event) (dropped int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	shared := sharable(evs)
	var byScope map[string]chunk
	if shared {
		byScope = map[string]chunk{}
	}
	for sub := range h.subs {
		var c chunk
		var seen bool
		if shared {
			c, seen = byScope[sub.scope.key]
		}
		if !seen {
			c = chunkFor(evs, sub)
			if shared {
				byScope[sub.scope.key] = c
			}
		}
		if c.n == 0 {
			continue
		}
		if sub.queued.Load()+int64(c.n) > int64(h.size) {
			h.dropLocked(sub)
			dropped++
			continue
		}
		sub.queued.Add(int64(c.n))
		select {
		case sub.ch <- c:
		default: // the count said room: cannot happen, as each chunk holds an event
			sub.queued.Add(-int64(c.n))
			h.dropLocked(sub)
			dropped++
		}
	}
	return dropped
}

// sharable tells whether every event's frame depends on the subscriber's
// scope alone (no render per principal), so that subscribers of one
// scope can share one chunk.
func sharable(evs []event) bool {
	for _, ev := range evs {
		if ev.render != nil {
			return false
		}
	}
	return true
}

// chunkFor lays out the frames of evs that sub may see.
func chunkFor(evs []event, sub *subscriber) chunk {
	var c chunk
	if len(evs) == 1 { // one event: its frame as it is, not copied
		if f := evs[0].frameFor(sub); f != nil {
			c = chunk{b: f, n: 1}
		}
		return c
	}
	frames := make([][]byte, 0, len(evs))
	size := 0
	for _, ev := range evs {
		if f := ev.frameFor(sub); f != nil {
			frames = append(frames, f)
			size += len(f)
		}
	}
	c.b, c.n = make([]byte, 0, size), len(frames) // one allocation, not append's doublings
	for _, f := range frames {
		c.b = append(c.b, f...)
	}
	return c
}
