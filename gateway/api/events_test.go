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
		case b := <-quick.ch:
			if !strings.Contains(string(b), `"n":`+string(rune('0'+i))) {
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

// gather writes what is queued in one go, in order, and a lone frame as
// it is; it stops at maxWrite bytes and leaves the rest queued.
func TestGatherQueuedFrames(t *testing.T) {
	sub := &subscriber{ch: make(chan []byte, 4096)}
	if got := sub.gather([]byte("a")); string(got) != "a" {
		t.Fatalf("lone frame: %q", got)
	}
	for _, f := range []string{"b", "c", "d"} {
		sub.ch <- []byte(f)
	}
	if got := sub.gather([]byte("a")); string(got) != "abcd" || len(sub.ch) != 0 {
		t.Fatalf("gathered %q, %d left", got, len(sub.ch))
	}
	big := make([]byte, maxWrite/2)
	for range 4 {
		sub.ch <- big
	}
	if got := sub.gather([]byte("x")); len(got) != 1+maxWrite || len(sub.ch) != 2 {
		t.Fatalf("gathered %d bytes, %d left; want %d and 2", len(got), len(sub.ch), 1+maxWrite)
	}
}

// A batch of anomaly events goes to each subscriber in order, only its
// sites' ones; one whose queue fills mid-batch is dropped and gets
// nothing more, and the others still get the whole batch.
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
		for _, n := range ns {
			if b := <-sub.ch; !strings.Contains(string(b), n) {
				t.Fatalf("%s: got %s, want %s", sub.p.Name, b, n)
			}
		}
		if len(sub.ch) != 0 {
			t.Fatalf("%s: %d frames more than its sites'", sub.p.Name, len(sub.ch))
		}
	}
	// The commander's queue (3) takes 3 of the 4; the operator's takes its 3.
	if dropped := h.publishAll(evs); dropped != 1 {
		t.Fatalf("dropped %d, want the commander", dropped)
	}
	select {
	case <-all.gone:
	default:
		t.Fatal("the commander's stream was not dropped")
	}
	if len(river.ch) != 3 || h.count() != 1 {
		t.Fatalf("operator holds %d frames, %d subscribers left", len(river.ch), h.count())
	}
}
