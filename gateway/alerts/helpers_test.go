package alerts

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// rig is one Alerts under test with what it talks to: the store, the
// relay starts it asked for (a SIMULATED StartRelay that records the
// camera and answers relayErr), and listeners' channels.
type rig struct {
	*Alerts
	store    *probe
	started  chan string
	records  chan store.Anomaly
	walls    chan []store.WallEntry
	relayErr error
}

// newRig builds Alerts on broker url (client id id) over st, listening
// before anything arrives.
func newRig(t *testing.T, url, id string, st *probe) *rig {
	t.Helper()
	r := &rig{store: st, started: make(chan string, 16), records: make(chan store.Anomaly, 64),
		walls: make(chan []store.WallEntry, 64)}
	a, err := New(Options{Broker: url, ClientID: id, Store: st, Log: peers.TestLog(t),
		StartRelay: func(_ context.Context, camera string) error { r.started <- camera; return r.relayErr }})
	if err != nil {
		t.Fatal(err)
	}
	r.Alerts = a
	t.Cleanup(a.Subscribe(func(rec store.Anomaly) { r.records <- rec }))
	t.Cleanup(a.SubscribeWall(func(w []store.WallEntry) { r.walls <- w }))
	return r
}

// run serves the rig until the returned stop is called (or the test
// ends) and waits until it is subscribed.
func (r *rig) run(t *testing.T) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(stop)
	select {
	case <-r.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("alerts not subscribed within 10s")
	}
	return stop
}

// await returns the next value of ch, failing after 10 s.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing within 10s", what)
		var zero T
		return zero
	}
}

// send publishes raw on topic and waits for the broker's PUBACK.
func send(t *testing.T, c paho.Client, topic string, raw []byte) {
	t.Helper()
	if tok := c.Publish(topic, 1, false, raw); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

// sendAnomaly publishes a on its camera's anomaly topic.
func sendAnomaly(t *testing.T, c paho.Client, a bus.Anomaly) {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, bus.AnomalyTopic(a.Site, a.Camera), b)
}

// anomaly is an event of site riverside from edge-1.
func anomaly(id string, seq uint64, camera, kind, state, severity string) bus.Anomaly {
	now := bus.Now()
	return bus.Anomaly{ID: id, Seq: seq, Site: "riverside", Camera: camera, Edge: "edge-1", Kind: kind,
		State: state, Severity: severity, Score: 0.8, Box: [4]float64{0.1, 0.1, 0.2, 0.2}, Rule: kind + "-rule",
		RuleVersion: 3, FrameTime: now, PublishedAt: now, Snapshot: []byte{0xff, 0xd8, 0xff, 0xd9}}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// apply stores one anomaly as the ingest does a batch of one, without a
// broker (nothing to acknowledge).
func (r *rig) apply(an bus.Anomaly) error { return r.storeBatch([]queued{{an: an, at: time.Now()}}) }

// ingestQueued writes what onMessage queued, as the ingest loop does, on
// the test's goroutine (the rig's Run is not called).
func (r *rig) ingestQueued() {
	for len(r.queue) > 0 {
		r.writeBatch(r.collect([]queued{<-r.queue}))
	}
}
