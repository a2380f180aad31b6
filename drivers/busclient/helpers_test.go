package busclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// testLog is a logger that writes to the test output and to lb; lines
// after the test ended are dropped (t.Log would panic).
func testLog(t testing.TB, lb *peers.LogBuffer) zerolog.Logger {
	w := &endSafeWriter{t: t}
	t.Cleanup(w.stop)
	var out io.Writer = w
	if lb != nil {
		out = io.MultiWriter(w, lb)
	}
	return zerolog.New(out).With().Timestamp().Logger()
}

type endSafeWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *endSafeWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *endSafeWriter) stop() { w.mu.Lock(); w.done = true; w.mu.Unlock() }

// newTestClient makes an edge client with fast reconnects; it is closed
// when the test ends.
func newTestClient(t testing.TB, url, dir string, mod ...func(*Options)) *Client {
	t.Helper()
	o := Options{Broker: url, Edge: "edge-1", Version: "test", Log: testLog(t, nil), QueueDir: dir,
		ReconnectMax: 500 * time.Millisecond, PubackTimeout: 5 * time.Second}
	for _, m := range mod {
		m(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func waitConnected(t testing.TB, c *Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.WaitConnected(ctx); err != nil {
		t.Fatal("edge client not connected:", err)
	}
}

// message is one message a subscriber received.
type message struct {
	topic   string
	payload []byte
}

// subscriber is the command center's side in tests: a plain paho client.
// A persistent one (clean session false) keeps its subscription and its
// queued messages in the broker across the broker's restart, when the
// broker persists; it subscribes once and never again, so a restored
// session is the only reason it receives anything after a restart.
type subscriber struct {
	mu      sync.Mutex
	msgs    []message
	seqs    map[uint64]bool // distinct anomaly seqs received
	changed chan struct{}
	pc      mqtt.Client
}

func newSubscriber(t testing.TB, url, id, filter string, persistent bool) *subscriber {
	t.Helper()
	s := &subscriber{changed: make(chan struct{}, 1), seqs: map[uint64]bool{}}
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(!persistent).
		SetAutoReconnect(true).SetMaxReconnectInterval(500 * time.Millisecond).SetOrderMatters(true)
	s.pc = mqtt.NewClient(o)
	if tok := s.pc.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { s.pc.Disconnect(100) })
	tok := s.pc.Subscribe(filter, 1, func(_ mqtt.Client, m mqtt.Message) {
		var a struct{ Seq uint64 }
		_ = json.Unmarshal(m.Payload(), &a)
		s.mu.Lock()
		s.msgs = append(s.msgs, message{m.Topic(), m.Payload()})
		if strings.HasPrefix(m.Topic(), bus.Root+"/anomalies/") {
			s.seqs[a.Seq] = true
		}
		s.mu.Unlock()
		select {
		case s.changed <- struct{}{}:
		default:
		}
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
	return s
}

// waitUntil returns when cond holds for the messages received so far,
// re-checking on every new message; it fails the test after timeout.
func (s *subscriber) waitUntil(t testing.TB, timeout time.Duration, what string, cond func([]message) bool) []message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		msgs := append([]message(nil), s.msgs...)
		s.mu.Unlock()
		if cond(msgs) {
			// A condition may count what arrived after the copy (unique
			// does): the messages returned are taken after it held.
			s.mu.Lock()
			defer s.mu.Unlock()
			return append([]message(nil), s.msgs...)
		}
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("after %s: %s not reached; %d messages received", timeout, what, len(msgs))
		}
	}
}

// anomalies decodes anomaly messages.
func anomalies(t testing.TB, msgs []message) []bus.Anomaly {
	t.Helper()
	out := make([]bus.Anomaly, 0, len(msgs))
	for _, m := range msgs {
		var a bus.Anomaly
		if err := json.Unmarshal(m.payload, &a); err != nil {
			t.Fatalf("%s: %v", m.topic, err)
		}
		if m.topic != bus.AnomalyTopic(a.Site, a.Camera) {
			t.Fatalf("anomaly %s on topic %s", a.ID, m.topic)
		}
		out = append(out, a)
	}
	return out
}

// dedup drops redeliveries as a receiver does: anything at or below the
// highest seq seen. A dropped one that was never seen means the stream
// went backwards: an ordering error.
func dedup(t testing.TB, in []bus.Anomaly) (unique []bus.Anomaly, dups int) {
	t.Helper()
	seen := map[uint64]bool{}
	var top uint64
	for _, a := range in {
		if a.Seq <= top {
			if !seen[a.Seq] {
				t.Fatalf("seq %d (%s) arrived after %d without having arrived before: out of order", a.Seq, a.ID, top)
			}
			dups++
			continue
		}
		seen[a.Seq], top = true, a.Seq
		unique = append(unique, a)
	}
	return unique, dups
}

// unique counts the distinct anomaly seqs received so far.
func (s *subscriber) unique() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seqs)
}

// checkComplete asserts the deduplicated stream is exactly ids, in order,
// with contiguous seqs, and in order per camera.
func checkComplete(t testing.TB, unique []bus.Anomaly, ids []string) {
	t.Helper()
	if len(unique) != len(ids) {
		t.Fatalf("%d distinct anomalies arrived, %d were published", len(unique), len(ids))
	}
	last := map[string]int{}
	for i, a := range unique {
		if a.ID != ids[i] {
			t.Fatalf("anomaly %d is %s, want %s", i, a.ID, ids[i])
		}
		if i > 0 && a.Seq != unique[i-1].Seq+1 {
			t.Fatalf("seq %d after %d: a gap", a.Seq, unique[i-1].Seq)
		}
		var n int
		fmt.Sscanf(a.ID[len(a.ID)-6:], "%06d", &n)
		if p, ok := last[a.Camera]; ok && n <= p {
			t.Fatalf("camera %s: %s after index %d", a.Camera, a.ID, p)
		}
		last[a.Camera] = n
	}
}

// testAnomaly is the i-th anomaly of a test, round-robin over cameras.
func testAnomaly(i int, cameras []string) bus.Anomaly {
	cam := cameras[i%len(cameras)]
	return bus.Anomaly{ID: fmt.Sprintf("%s-%06d", cam, i), Site: "riverside", Camera: cam, Kind: bus.KindPerson,
		State: bus.StateStart, Score: 0.8, Box: [4]float64{0.1, 0.1, 0.2, 0.4}, FrameTime: bus.Now()}
}

// publishN publishes n test anomalies and returns their ids in order.
func publishN(t testing.TB, c *Client, from, n int, cameras []string) []string {
	t.Helper()
	var ids []string
	for i := from; i < from+n; i++ {
		a := testAnomaly(i, cameras)
		if err := c.PublishAnomaly(a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	return ids
}
