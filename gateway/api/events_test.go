package api

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/store"
)

// sse is one event (a ": ping" comment has name ":ping").
type sse struct{ name, data string }

// stream opens /api/events with token and returns its events, closed at the stream's end.
func (e *env) stream(token string) <-chan sse {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sse, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == ": ping":
				out <- sse{name: ":ping"}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.name != "":
				out <- ev
				ev = sse{}
			}
		}
	}()
	return out
}

// next awaits the stream's next event; ok=false when it ended.
func next(t *testing.T, ch <-chan sse) (sse, bool) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		return ev, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return sse{}, false
}

// An anomaly reaches the commander of its site and not a user of another:
// the hillside user's first event after hello is the hillside anomaly
// published after the riverside one.
func TestEventsScopedBySite(t *testing.T) {
	e := newEnv(t)
	river, hill := e.stream(e.login("river-cmd")), e.stream(e.login("hill-cmd"))
	for _, ch := range []<-chan sse{river, hill} {
		if ev, _ := next(t, ch); ev.name != "hello" || !strings.Contains(ev.data, `"role":"commander"`) {
			t.Fatalf("first event %+v", ev)
		}
	}
	if a := e.lastAudit(); a.Action != "events" || a.Status != 200 {
		t.Fatalf("audit at connect %+v", a)
	}
	e.api.PublishAnomaly(store.Anomaly{ID: "new-river", Site: "riverside", Kind: "person"})
	e.api.PublishAnomaly(store.Anomaly{ID: "new-hill", Site: "hillside", Kind: "smoke"})
	if ev, _ := next(t, river); ev.name != "anomaly" || !strings.Contains(ev.data, `"id":"new-river"`) {
		t.Fatalf("riverside got %+v", ev)
	}
	if ev, _ := next(t, hill); ev.name != "anomaly" || !strings.Contains(ev.data, `"id":"new-hill"`) {
		t.Fatalf("hillside got %+v, want only its own anomaly", ev)
	}
	// The wall: each sees its sites' tiles.
	if resp, b := e.do("POST", "/api/wall", e.login("chief"), map[string]string{"camera": "river-gate"}); resp.StatusCode != 201 {
		t.Fatalf("wall add: %d %s", resp.StatusCode, b)
	}
	if ev, _ := next(t, river); ev.name != "wall" || !strings.Contains(ev.data, "river-gate") || strings.Contains(ev.data, "hill-top") {
		t.Fatalf("riverside wall %+v", ev)
	}
	if ev, _ := next(t, hill); ev.name != "wall" || strings.Contains(ev.data, "river-gate") || !strings.Contains(ev.data, "hill-top") {
		t.Fatalf("hillside wall %+v", ev)
	}
	// An edge names only each one's cameras; a camera goes to its site's.
	// cameras_online too: hill-top is online, river-bank is not.
	e.api.PublishEdge(bus.EdgeStatus{Edge: "edge-b", State: "online", Cameras: []string{"hill-top", "river-bank"}, CamerasOnline: 1})
	if ev, _ := next(t, river); ev.name != "edge" || !strings.Contains(ev.data, `"cameras":["river-bank"]`) || !strings.Contains(ev.data, `"cameras_online":0`) {
		t.Fatalf("riverside edge %+v", ev)
	}
	if ev, _ := next(t, hill); ev.name != "edge" || !strings.Contains(ev.data, `"cameras":["hill-top"]`) || !strings.Contains(ev.data, `"cameras_online":1`) {
		t.Fatalf("hillside edge %+v", ev)
	}
	e.api.PublishCamera(bus.CameraStatus{Camera: "river-gate", Site: "riverside", State: "offline"})
	e.api.PublishCamera(bus.CameraStatus{Camera: "hill-top", Site: "hillside", State: "offline"})
	if ev, _ := next(t, river); ev.name != "camera" || !strings.Contains(ev.data, `"camera":"river-gate"`) {
		t.Fatalf("riverside camera %+v", ev)
	}
	if ev, _ := next(t, hill); ev.name != "camera" || !strings.Contains(ev.data, `"camera":"hill-top"`) {
		t.Fatalf("hillside camera %+v", ev)
	}
	// An ack is an anomaly event too.
	e.do("POST", "/api/anomalies/a-river/ack", e.login("chief"), nil)
	if ev, _ := next(t, river); ev.name != "anomaly" || !strings.Contains(ev.data, `"status":"acknowledged"`) {
		t.Fatalf("ack event %+v", ev)
	}
}

// Pings keep the stream open; a logout ends it at the next ping; a pilot
// may stream too (view).
func TestEventsPingAndLogout(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Ping = 20 * time.Millisecond })
	token := e.login("river-pilot")
	ch := e.stream(token)
	next(t, ch) // hello
	if ev, _ := next(t, ch); ev.name != ":ping" {
		t.Fatalf("want a ping, got %+v", ev)
	}
	e.do("POST", "/api/logout", token, nil)
	for {
		ev, ok := next(t, ch)
		if !ok {
			t.Fatal("stream ended without a bye")
		}
		if ev.name == "bye" {
			if !strings.Contains(ev.data, "session ended") {
				t.Fatalf("bye %+v", ev)
			}
			break
		}
	}
	if _, ok := next(t, ch); ok {
		t.Fatal("stream goes on after bye")
	}
}

// The stream ends when the session expires.
func TestEventsEndAtExpiry(t *testing.T) {
	e := newEnv(t)
	token := e.login("chief")
	e.clk.add(time.Hour - 50*time.Millisecond) // the session has 50 ms left
	ch := e.stream(token)
	next(t, ch) // hello
	if ev, _ := next(t, ch); ev.name != "bye" || !strings.Contains(ev.data, "expired") {
		t.Fatalf("want bye at expiry, got %+v", ev)
	}
	if _, ok := next(t, ch); ok {
		t.Fatal("stream goes on after expiry")
	}
}

// A subscriber that does not keep up is dropped; publishing never waits
// for it and the others still get every event.
func TestHubDropsSlowSubscriber(t *testing.T) {
	h := newHub(2)
	p := access.Principal{Name: "x", Role: store.RoleCommander, Sites: []string{"*"}}
	slow, _ := h.join(p, 2)
	quick, _ := h.join(p, 2)
	for i := range 5 {
		h.publish(ofSite("anomaly", "riverside", map[string]int{"n": i}))
		select {
		case c := <-quick.ch:
			if b := quick.gather(c); !strings.Contains(string(b), `"n":`+string(rune('0'+i))) {
				t.Fatalf("quick got %s", b)
			}
		default:
			t.Fatalf("quick subscriber missed event %d", i)
		}
	}
	select {
	case <-slow.gone:
	default:
		t.Fatal("slow subscriber not dropped")
	}
	if h.count() != 1 {
		t.Fatalf("%d subscribers, want 1", h.count())
	}
	h.leave(slow) // leaving after a drop is harmless
	h.leave(quick)
	if h.count() != 0 {
		t.Fatal("leave kept a subscriber")
	}
}

// gather writes what is queued in one go, in order, and a lone chunk as
// it is (not copied: it may be shared); it stops at maxWrite bytes and
// leaves the rest queued; the events it took no longer count as lag.
func TestGatherQueuedFrames(t *testing.T) {
	sub := &subscriber{ch: make(chan chunk, 4096)}
	lone := []byte("a")
	if got := sub.gather(chunk{b: lone, n: 1}); string(got) != "a" || &got[0] != &lone[0] {
		t.Fatalf("lone chunk: %q, copied: %v", got, &got[0] != &lone[0])
	}
	sub.queued.Store(1 + 3 + 2)
	for _, f := range []string{"b", "cd"} {
		sub.ch <- chunk{b: []byte(f), n: len(f)}
	}
	if got := sub.gather(chunk{b: []byte("a"), n: 1}); string(got) != "abcd" || len(sub.ch) != 0 || sub.queued.Load() != 2 {
		t.Fatalf("gathered %q, %d chunks and %d events left; want abcd, 0 and 2", got, len(sub.ch), sub.queued.Load())
	}
	big := make([]byte, maxWrite/2)
	for range 4 {
		sub.ch <- chunk{b: big, n: 1}
	}
	if got := sub.gather(chunk{b: []byte("x"), n: 1}); len(got) != 1+maxWrite || len(sub.ch) != 2 {
		t.Fatalf("gathered %d bytes, %d left; want %d and 2", len(got), len(sub.ch), 1+maxWrite)
	}
}

// nextChunk is what sub's writer would write next, and how many events.
func nextChunk(t *testing.T, sub *subscriber) (string, int) {
	t.Helper()
	select {
	case c := <-sub.ch:
		n := c.n
		return string(sub.gather(c)), n
	default:
		return "", 0
	}
}

// A batch of anomaly events goes to each subscriber in order, only its
// sites' ones, as one chunk; one that the batch would put more than its
// queue behind is dropped and gets none of it, and the others still get
// the whole batch.
func TestPublishAllInOrderAndDropsMidBatch(t *testing.T) {
	h := newHub(3)
	river, _ := h.join(access.Principal{Name: "r", Role: store.RoleOperator, Sites: []string{"riverside"}}, 1)
	all, _ := h.join(access.Principal{Name: "c", Role: store.RoleCommander, Sites: []string{"*"}}, 1)
	var evs []event
	for i, site := range []string{"riverside", "hillside", "riverside", "riverside"} {
		evs = append(evs, ofSite("anomaly", site, map[string]int{"n": i}))
	}
	if dropped := h.publishAll(evs[:3]); dropped != 0 {
		t.Fatalf("dropped %d of a batch that fits", dropped)
	}
	want := map[*subscriber][]string{river: {`"n":0`, `"n":2`}, all: {`"n":0`, `"n":1`, `"n":2`}}
	for sub, ns := range want {
		got, n := nextChunk(t, sub)
		if n != len(ns) || strings.Count(got, "event: anomaly\n") != len(ns) {
			t.Fatalf("%s: %d events in %q, want %d", sub.p.Name, n, got, len(ns))
		}
		at := 0
		for _, want := range ns {
			i := strings.Index(got[at:], want)
			if i < 0 {
				t.Fatalf("%s: %q lacks %s after byte %d (order)", sub.p.Name, got, want, at)
			}
			at += i
		}
		if sub.queued.Load() != 0 || len(sub.ch) != 0 {
			t.Fatalf("%s: %d events left", sub.p.Name, sub.queued.Load())
		}
	}
	// The commander's queue (3) cannot take 4; the operator's takes its 3.
	if dropped := h.publishAll(evs); dropped != 1 {
		t.Fatalf("dropped %d, want the commander", dropped)
	}
	select {
	case <-all.gone:
	default:
		t.Fatal("the commander's stream was not dropped")
	}
	if river.queued.Load() != 3 || h.count() != 1 {
		t.Fatalf("operator holds %d events, %d subscribers left", river.queued.Load(), h.count())
	}
	// Not yet written: one more event is more than it may lag.
	if dropped := h.publish(evs[0]); dropped != 1 {
		t.Fatalf("dropped %d, want the operator 4 events behind", dropped)
	}
}

// Subscribers of the same sites share one laid-out chunk (the batch is
// copied once per scope, not per client); others get their own; an event
// rendered per principal is never shared.
func TestPublishAllSharesChunksPerScope(t *testing.T) {
	h := newHub(16)
	cmd1, _ := h.join(access.Principal{Name: "c1", Role: store.RoleCommander, Sites: []string{"*"}}, 1)
	cmd2, _ := h.join(access.Principal{Name: "c2", Role: store.RoleCommander, Sites: []string{"*"}}, 1)
	op, _ := h.join(access.Principal{Name: "o", Role: store.RoleOperator, Sites: []string{"riverside"}}, 1)
	evs := []event{ofSite("anomaly", "riverside", map[string]int{"n": 0}), ofSite("anomaly", "hillside", map[string]int{"n": 1})}
	h.publishAll(evs)
	c1, c2, o := <-cmd1.ch, <-cmd2.ch, <-op.ch
	if &c1.b[0] != &c2.b[0] || c1.n != 2 {
		t.Fatalf("commanders got separate chunks (or %d events, want 2)", c1.n)
	}
	if &o.b[0] == &c1.b[0] || o.n != 1 || strings.Contains(string(o.b), "hillside") || !strings.Contains(string(o.b), `"n":0`) {
		t.Fatalf("operator got %q (%d events), want only riverside's", o.b, o.n)
	}
	names := map[string]bool{}
	h.publishAll([]event{{name: "edge", render: func(p access.Principal, _ *scope) ([]byte, bool) {
		return []byte(`"` + p.Name + `"`), true
	}}})
	for _, sub := range []*subscriber{cmd1, cmd2, op} {
		c := <-sub.ch
		names[string(c.b)] = true
	}
	if len(names) != 3 {
		t.Fatalf("rendered frames %v: want one per principal", names)
	}
}

// framesOf lays out each record's frame exactly as ofSite would, for the
// same subscribers; a record that cannot be encoded goes to nobody and
// leaves the others whole.
func TestFramesOfMatchesOfSite(t *testing.T) {
	vs := []any{
		store.Anomaly{ID: "a1", Site: "riverside", Kind: "person", Zone: "<gate> & co"},
		func() {}, // not encodable
		store.Anomaly{ID: "a2", Site: "hillside", Kind: "camera_offline"},
	}
	sites := []string{"riverside", "riverside", "hillside"}
	i := 0
	evs := framesOf("anomaly", vs, func(any) string { i++; return sites[i-1] })
	river := scopeOf(access.Principal{Sites: []string{"riverside"}})
	hill := scopeOf(access.Principal{Sites: []string{"hillside"}})
	for i, v := range vs {
		want := ofSite("anomaly", sites[i], v)
		for _, sc := range []*scope{&river, &hill} {
			if got, w := evs[i].allow(sc), want.allow(sc); got != w {
				t.Fatalf("record %d, scope %q: allowed %v, want %v", i, sc.key, got, w)
			}
		}
		if want.allow(&river) || want.allow(&hill) {
			if string(evs[i].frame) != string(want.frame) {
				t.Fatalf("record %d: frame %q, want %q", i, evs[i].frame, want.frame)
			}
		}
	}
}
