package alerts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker/brokertest"
	"github.com/argus-edge/argus/gateway/store"
)

// Real: Debian's mosquitto, an edge's paho client, the SQLite store;
// StartRelay is SIMULATED (it records its calls). A critical fire
// start reaches the store, the wall and a relay start; its redelivery,
// a malformed message and a payload for another camera's topic are
// counted and dropped while the next good event is stored; a medium start
// and a shadow critical one stay off the wall; events after an end are
// ignored.
func TestAnomaliesToStoreAndWall(t *testing.T) {
	b := peers.Mosquitto(t)
	r := newRig(t, b.URL(), "alerts-wall", newStore(t))
	r.run(t)
	e := peers.MQTTClient(t, b.URL(), "edge-1")

	fire := anomaly("gate.fire.1", 1, "gate", bus.KindFire, bus.StateStart, "critical")
	sendAnomaly(t, e, fire)
	if rec := await(t, r.records, "fire start"); rec.ID != fire.ID || rec.State != bus.StateStart || rec.Seq != 1 {
		t.Fatalf("record %+v", rec)
	}
	if w := await(t, r.walls, "wall"); len(w) != 1 || w[0].Camera != "gate" || w[0].Anomaly != fire.ID ||
		w[0].Severity != "critical" || w[0].Kind != bus.KindFire || w[0].Reason != "critical fire (rule fire-rule)" {
		t.Fatalf("wall %+v", w)
	}
	if cam := await(t, r.started, "relay start"); cam != "gate" {
		t.Fatalf("relay started for %q", cam)
	}

	sendAnomaly(t, e, fire) // a QoS 1 redelivery: same id, same seq
	// Told again, unchanged (another replica may have applied it first).
	if rec := await(t, r.records, "fire start redelivered"); rec.ID != fire.ID || rec.Seq != 1 {
		t.Fatalf("record %+v", rec)
	}
	send(t, e, bus.AnomalyTopic("riverside", "gate"), []byte(`{"id": "broken`))
	elsewhere := anomaly("yard.fire.1", 2, "yard", bus.KindFire, bus.StateStart, "critical")
	send(t, e, bus.AnomalyTopic("riverside", "gate"), mustJSON(t, elsewhere)) // yard's event on gate's topic
	update := fire
	update.Seq, update.State, update.Score = 3, bus.StateUpdate, 0.95
	sendAnomaly(t, e, update)
	if rec := await(t, r.records, "fire update"); rec.ID != fire.ID || rec.State != bus.StateUpdate || rec.Seq != 3 || rec.Score != 0.95 {
		t.Fatalf("after the duplicate and the bad messages, record %+v (want the update)", rec)
	}

	medium := anomaly("yard.person.1", 4, "yard", bus.KindPerson, bus.StateStart, "medium")
	shadow := anomaly("lab.fire.1.shadow", 5, "lab", bus.KindFire, bus.StateStart, "critical")
	shadow.Shadow = true
	end := update
	end.Seq, end.State = 6, bus.StateEnd
	late := update
	late.Seq = 7
	for _, a := range []bus.Anomaly{medium, shadow, end, late} {
		sendAnomaly(t, e, a)
	}
	for _, want := range []string{medium.ID, shadow.ID, fire.ID} {
		if rec := await(t, r.records, want); rec.ID != want {
			t.Fatalf("record %s, want %s", rec.ID, want)
		}
	}
	// The late update is handled before this marker (one session, in order).
	marker := anomaly("door.motion.1", 8, "door", bus.KindMotion, bus.StateStart, "info")
	sendAnomaly(t, e, marker)
	if rec := await(t, r.records, "marker"); rec.ID != marker.ID {
		t.Fatalf("record %s, want the marker (the late update was applied?)", rec.ID)
	}

	wall, err := r.Wall(context.Background())
	if err != nil || len(wall) != 1 || wall[0].Camera != "gate" {
		t.Fatalf("wall %+v, %v: want only gate", wall, err)
	}
	if len(r.started) != 0 {
		t.Fatalf("relay started again for %q", <-r.started)
	}
	if rec, _ := r.store.Anomaly(context.Background(), fire.ID); rec.State != bus.StateEnd || rec.Seq != 6 {
		t.Fatalf("stored fire %+v, want ended at seq 6", rec)
	}
	s := r.Stats()
	if s.Received != 10 || s.Applied != 6 || s.Duplicates != 2 || s.Rejected[rejectJSON] != 1 ||
		s.Rejected[rejectMismatch] != 1 || s.WallAdditions[byAnomaly] != 1 || s.StoreErrors != 0 {
		t.Fatalf("stats %+v", s)
	}
	checkMetric(t, r.Alerts, "argus_gateway_anomalies_duplicates_total", 2)
}

// checkMetric gathers a's metrics as Prometheus would and checks the sum
// of one family.
func checkMetric(t *testing.T, a *Alerts, name string, want float64) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(a)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			sum := 0.0
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			if sum != want {
				t.Fatalf("%s = %v, want %v", name, sum, want)
			}
			return
		}
	}
	t.Fatalf("no metric %s among %d families", name, len(mfs))
}

// Real brokers: Debian's mosquitto and the gateway's embedded one (NATS).
// Anomalies published while the gateway's alerts client is stopped are
// kept by the broker for its persistent session and stored once it
// returns under the same client id.
func TestPersistentSessionDeliversWhatCameWhileAway(t *testing.T) {
	brokers := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"mosquitto", func(t *testing.T) string { return peers.Mosquitto(t).URL() }},
		{"embedded", func(t *testing.T) string { return brokertest.Start(t) }},
	}
	for _, tc := range brokers {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url(t)
			st := newStore(t)
			first := newRig(t, url, "alerts-persist", st)
			stop := first.run(t)
			stop() // the gateway goes down; its session and subscription stay with the broker

			e := peers.MQTTClient(t, url, "edge-1")
			want := []string{"gate.fire.9", "yard.smoke.9", "door.person.9"}
			for i, id := range want {
				sendAnomaly(t, e, anomaly(id, uint64(10+i), "cam"+string(rune('a'+i)), bus.KindSmoke, bus.StateStart, "low"))
			}

			second := newRig(t, url, "alerts-persist", st)
			second.run(t)
			var got []string
			for range want {
				got = append(got, await(t, second.records, "queued anomaly").ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("records %v, want %v", got, want)
			}
			for _, id := range want {
				if _, err := st.Anomaly(context.Background(), id); err != nil {
					t.Fatalf("%s: %v", id, err)
				}
			}
		})
	}
}

// The SQLite store behind a probe that fails twice (SIMULATED): the
// anomaly is written on the third try and nothing is lost or counted as
// an error.
func TestStoreErrorIsRetried(t *testing.T) {
	st := newStore(t)
	st.failNext(2)
	r := newRig(t, "tcp://127.0.0.1:1", "alerts-retry", st) // never connected: apply is called directly
	if err := r.apply(anomaly("gate.fire.2", 1, "gate", bus.KindFire, bus.StateStart, "low")); err != nil {
		t.Fatal(err)
	}
	if rec := await(t, r.records, "stored after retries"); rec.ID != "gate.fire.2" {
		t.Fatalf("record %+v", rec)
	}
	st.failNext(100)
	err := r.apply(anomaly("gate.fire.3", 2, "gate", bus.KindFire, bus.StateStart, "low"))
	if !errors.Is(err, errSimulated) {
		t.Fatalf("a store that keeps failing: %v", err)
	}
}

// Real: mosquitto and SQLite; the store's failures are SIMULATED. An anomaly the
// store keeps refusing is left unacknowledged, and the broker delivers it
// again to the next session, which stores it: nothing is lost.
func TestUnstoredAnomalyIsDeliveredAgain(t *testing.T) {
	saved := storeRetries
	storeRetries = []time.Duration{time.Millisecond, time.Millisecond}
	t.Cleanup(func() { storeRetries = saved })
	b := peers.Mosquitto(t)
	st := newStore(t)
	first := newRig(t, b.URL(), "alerts-redeliver", st)
	stop := first.run(t)
	attempts := len(storeRetries) + 1
	st.failNext(attempts)
	fire := anomaly("gate.fire.5", 1, "gate", bus.KindFire, bus.StateStart, "low")
	sendAnomaly(t, peers.MQTTClient(t, b.URL(), "edge-1"), fire)
	for i := range attempts {
		await(t, st.failed, fmt.Sprintf("failed write %d", i+1))
	}
	stop() // returns once the handler has given up
	if s := first.Stats(); s.StoreErrors != 1 || s.Applied != 0 {
		t.Fatalf("first session: %+v", s)
	}

	second := newRig(t, b.URL(), "alerts-redeliver", st)
	second.run(t)
	if rec := await(t, second.records, "redelivered"); rec.ID != fire.ID {
		t.Fatalf("record %+v", rec)
	}
}

// A severe anomaly whose update comes before its start (the start lost,
// or a broker resending a resumed session out of order) still puts its
// camera on the wall, once; the late start is ignored as stale.
func TestLateStartStillPutsOnWall(t *testing.T) {
	r := newRig(t, "tcp://127.0.0.1:1", "alerts-late", newStore(t)) // apply is called directly
	start := anomaly("tower.smoke.1", 9, "tower", bus.KindSmoke, bus.StateStart, "high")
	update := start
	update.Seq, update.State = 10, bus.StateUpdate
	for _, a := range []bus.Anomaly{update, start} {
		if err := r.apply(a); err != nil {
			t.Fatal(err)
		}
	}
	if cam := await(t, r.started, "relay"); cam != "tower" {
		t.Fatalf("relay for %q", cam)
	}
	r.Alerts.relays.Wait()
	wall, err := r.Wall(context.Background())
	if err != nil || len(wall) != 1 || wall[0].Anomaly != start.ID || len(r.started) != 0 {
		t.Fatalf("wall %+v (%v), %d more relay starts", wall, err, len(r.started))
	}
	if s := r.Stats(); s.Applied != 1 || s.Duplicates != 1 || s.WallAdditions[byAnomaly] != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// The wall by hand, through the methods the API calls (SQLite store, a
// SIMULATED relay that refuses): added, started, listed, not added twice,
// dismissed.
func TestWallByHand(t *testing.T) {
	r := newRig(t, "tcp://127.0.0.1:1", "alerts-hand", newStore(t))
	r.relayErr = errors.New("simulated: edge refused")
	ctx := context.Background()
	w, err := r.AddToWall(ctx, "gate", "riverside", "alice")
	if err != nil || w.Camera != "gate" || w.Reason != "added by alice" || w.Added.IsZero() {
		t.Fatalf("added %+v, %v", w, err)
	}
	if got := await(t, r.walls, "wall"); len(got) != 1 || got[0].Camera != "gate" {
		t.Fatalf("wall %+v", got)
	}
	if cam := await(t, r.started, "relay"); cam != "gate" {
		t.Fatalf("relay for %q", cam)
	}
	again, err := r.AddToWall(ctx, "gate", "riverside", "bob")
	if err != nil || again.Reason != "added by alice" || !again.Added.Equal(w.Added) {
		t.Fatalf("added twice: %+v, %v", again, err)
	}
	r.Alerts.relays.Wait() // the refused relay start has been logged and counted
	if s := r.Stats(); s.WallAdditions[byHand] != 1 || s.RelayErrors != 1 {
		t.Fatalf("stats %+v", s)
	}
	if wall, _ := r.Wall(ctx); len(wall) != 1 {
		t.Fatalf("a refused relay took the camera off the wall: %+v", wall)
	}
	if err := r.Dismiss(ctx, "gate", "alice"); err != nil {
		t.Fatal(err)
	}
	if got := await(t, r.walls, "wall after dismiss"); len(got) != 0 {
		t.Fatalf("wall %+v", got)
	}
	if err := r.Dismiss(ctx, "gate", "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("dismissed twice: %v", err)
	}
	if _, err := r.AddToWall(ctx, "Gate/1", "riverside", "alice"); err == nil {
		t.Fatal("an invalid camera id was put on the wall")
	}
}

// Acknowledging through Alerts tells the listeners the new record.
func TestAcknowledgeNotifies(t *testing.T) {
	r := newRig(t, "tcp://127.0.0.1:1", "alerts-ack", newStore(t))
	if err := r.apply(anomaly("gate.fire.4", 1, "gate", bus.KindFire, bus.StateStart, "low")); err != nil {
		t.Fatal(err)
	}
	await(t, r.records, "start")
	if _, err := r.Acknowledge(context.Background(), "gate.fire.4", "alice", "on it"); err != nil {
		t.Fatal(err)
	}
	if rec := await(t, r.records, "ack"); rec.Status != store.StatusAcknowledged || rec.AcknowledgedBy != "alice" {
		t.Fatalf("record %+v", rec)
	}
	if _, err := r.Acknowledge(context.Background(), "nope", "alice", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

// Retention prunes the SQLite store at once with the retention given,
// counts what went, and stops with its context: an anomaly that ended 100 days ago goes
// (with its snapshot), one of today stays.
func TestRetentionPrunes(t *testing.T) {
	st := newStore(t)
	r := newRig(t, "tcp://127.0.0.1:1", "alerts-retention", st)
	old := anomaly("gate.fire.old", 1, "gate", bus.KindFire, bus.StateStart, "low")
	old.FrameTime = bus.At(time.Now().Add(-100 * 24 * time.Hour))
	oldEnd := old
	oldEnd.Seq, oldEnd.State, oldEnd.Snapshot = 2, bus.StateEnd, nil
	today := anomaly("gate.fire.new", 3, "gate", bus.KindFire, bus.StateStart, "low")
	for _, a := range []bus.Anomaly{old, oldEnd, today} {
		if err := r.apply(a); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	keep := store.Retention{Anomalies: 90 * 24 * time.Hour, Snapshots: 30 * 24 * time.Hour, Audit: 365 * 24 * time.Hour}
	go func() { r.RunRetention(ctx, keep, time.Hour); close(done) }()
	if got := await(t, st.prunes, "first prune"); got != keep {
		t.Fatalf("pruned with %+v, want %+v", got, keep)
	}
	cancel()
	await(t, done, "RunRetention to return")
	if p := r.Stats().Pruned; p.Anomalies != 1 || p.Snapshots != 1 {
		t.Fatalf("pruned counts %+v, want 1 anomaly and its snapshot", p)
	}
	if _, err := st.Anomaly(context.Background(), old.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the old anomaly: %v, want not found", err)
	}
	if _, err := st.Anomaly(context.Background(), today.ID); err != nil {
		t.Fatalf("today's anomaly: %v", err)
	}
	checkMetric(t, r.Alerts, "argus_gateway_store_pruned_total", 2)
}

// message is a received MQTT message as paho hands it to a handler,
// recording whether it was acknowledged.
type message struct {
	topic   string
	payload []byte
	acked   bool
}

func (m *message) Duplicate() bool   { return false }
func (m *message) Qos() byte         { return 1 }
func (m *message) Retained() bool    { return false }
func (m *message) Topic() string     { return m.topic }
func (m *message) MessageID() uint16 { return 1 }
func (m *message) Payload() []byte   { return m.payload }
func (m *message) Ack()              { m.acked = true }

// An event the SQLite store refuses as invalid (a seq past its range)
// is not retried nor left for redelivery: acknowledged and counted as
// rejected, like any bad input. A store failure is not acknowledged.
func TestStoreRefusalIsAcknowledged(t *testing.T) {
	st := newStore(t)
	r := newRig(t, "tcp://127.0.0.1:1", "alerts-refused", st) // the handler is called directly
	huge := anomaly("gate.fire.6", 1<<63, "gate", bus.KindFire, bus.StateStart, "low")
	m := &message{topic: bus.AnomalyTopic(huge.Site, huge.Camera), payload: mustJSON(t, huge)}
	r.onMessage(nil, m)
	r.ingestQueued()
	if s := r.Stats(); !m.acked || s.Rejected[rejectInvalid] != 1 || s.StoreErrors != 0 {
		t.Fatalf("acked %v, stats %+v", m.acked, s)
	}

	saved := storeRetries
	storeRetries = nil
	t.Cleanup(func() { storeRetries = saved })
	st.failNext(1)
	ok := anomaly("gate.fire.7", 2, "gate", bus.KindFire, bus.StateStart, "low")
	m = &message{topic: bus.AnomalyTopic(ok.Site, ok.Camera), payload: mustJSON(t, ok)}
	r.onMessage(nil, m)
	r.ingestQueued()
	if s := r.Stats(); m.acked || s.StoreErrors != 1 {
		t.Fatalf("a failed write: acked %v, stats %+v", m.acked, s)
	}
}

// A camera's wall entry shows the newest of its most severe anomalies: a
// high smoke after a critical fire leaves the fire shown, a second
// critical fire replaces the first. Applied directly (no broker).
func TestWallShowsTheMostSevere(t *testing.T) {
	r := newRig(t, "tcp://127.0.0.1:1", "alerts-severe", newStore(t))
	for _, a := range []bus.Anomaly{
		anomaly("ridge.fire.1", 1, "ridge", bus.KindFire, bus.StateStart, "critical"),
		anomaly("ridge.smoke.2", 2, "ridge", bus.KindSmoke, bus.StateStart, "high"),
	} {
		if err := r.apply(a); err != nil {
			t.Fatal(err)
		}
	}
	r.Alerts.relays.Wait()
	shown := func() store.WallEntry {
		t.Helper()
		wall, err := r.Wall(context.Background())
		if err != nil || len(wall) != 1 {
			t.Fatalf("wall %+v (%v)", wall, err)
		}
		return wall[0]
	}
	if w := shown(); w.Anomaly != "ridge.fire.1" || w.Severity != "critical" {
		t.Fatalf("after a high smoke the wall shows %+v, want the critical fire", w)
	}
	if err := r.apply(anomaly("ridge.fire.3", 3, "ridge", bus.KindFire, bus.StateStart, "critical")); err != nil {
		t.Fatal(err)
	}
	r.Alerts.relays.Wait()
	if w := shown(); w.Anomaly != "ridge.fire.3" {
		t.Fatalf("a second critical fire: the wall shows %+v", w)
	}
}

// Real: mosquitto, an edge's paho client and one SQLite store shared by
// two followers, as two gateway replicas share one database; each has its
// own session, so each receives every event. Simulated: the replicas (two
// Alerts in this process). Each event is applied once across the two, one
// record per anomaly, and both followers' listeners (each replica's
// consoles) are told of every anomaly up to its end, whichever applied it.
func TestTwoFollowersOneStore(t *testing.T) {
	b := peers.Mosquitto(t)
	st := newStore(t)
	rigs := []*rig{newRig(t, b.URL(), "alerts-gw-a", st), newRig(t, b.URL(), "alerts-gw-b", st)}
	for _, r := range rigs {
		r.run(t)
	}
	e := peers.MQTTClient(t, b.URL(), "edge-1")
	var sent []bus.Anomaly
	for i := range 10 {
		a := anomaly(fmt.Sprintf("gate.person.%d", i), uint64(2*i+1), "gate", bus.KindPerson, bus.StateStart, "low")
		end := a
		end.Seq, end.State = a.Seq+1, bus.StateEnd
		sent = append(sent, a, end)
	}
	for _, a := range sent {
		sendAnomaly(t, e, a)
	}
	// A follower behind the other may find a later event of the anomaly
	// already stored: it is told that record then (the newest state), so
	// each is told every anomaly's end, and never an older state after a
	// newer one.
	for i, r := range rigs {
		last := map[string]uint64{}
		ended := 0
		for ended < 10 {
			rec := await(t, r.records, fmt.Sprintf("follower %d: the ends (%d so far)", i, ended))
			if rec.Seq <= last[rec.ID] {
				t.Fatalf("follower %d told %s seq %d after seq %d", i, rec.ID, rec.Seq, last[rec.ID])
			}
			last[rec.ID] = rec.Seq
			if rec.State == bus.StateEnd {
				ended++
			}
		}
	}
	a, b2 := rigs[0].Stats(), rigs[1].Stats()
	if a.Applied+b2.Applied != uint64(len(sent)) || a.Duplicates+b2.Duplicates != uint64(len(sent)) {
		t.Fatalf("applied %d+%d, duplicates %d+%d; want %d each in all", a.Applied, b2.Applied, a.Duplicates, b2.Duplicates, len(sent))
	}
	page, err := st.Anomalies(context.Background(), store.AnomalyQuery{Limit: 100})
	if err != nil || len(page.Items) != 10 {
		t.Fatalf("%d records, %v; want 10", len(page.Items), err)
	}
}
