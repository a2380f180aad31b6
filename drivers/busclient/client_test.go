package busclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

var cams3 = []string{"cam-a", "cam-b", "cam-c"}

// Simulated: an edge restart while the broker is away. Real: mosquitto
// (persistent, so the command center's subscription outlives the stop),
// the clients and the subscriber. The first client queues 60 anomalies
// with the broker down and is closed; a second on the same QueueDir
// delivers all of them, once and in order, when the broker returns, and
// numbers its own anomalies after them.
func TestEdgeRestartDeliversWhatWasQueued(t *testing.T) {
	broker := peers.Mosquitto(t, peers.MosquittoPersistent())
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllAnomalies, true)
	dir := t.TempDir()
	broker.Stop()

	c1 := newTestClient(t, broker.URL(), dir)
	ids := publishN(t, c1, 0, 60, cams3)
	if d := c1.Stats().Depth; d != 60 {
		t.Fatalf("depth %d with the broker down, want 60", d)
	}
	c1.Close()

	c2 := newTestClient(t, broker.URL(), dir)
	broker.Start()
	msgs := sub.waitUntil(t, 30*time.Second, "60 anomalies", func(m []message) bool { return len(m) >= 60 })
	got := anomalies(t, msgs)
	unique, dups := dedup(t, got)
	if dups != 0 {
		t.Fatalf("%d duplicates: nothing was sent before the restart", dups)
	}
	checkComplete(t, unique, ids)

	ids = append(ids, publishN(t, c2, 60, 1, cams3)...)
	msgs = sub.waitUntil(t, 10*time.Second, "the 61st anomaly", func(m []message) bool { return len(m) >= 61 })
	unique, _ = dedup(t, anomalies(t, msgs))
	checkComplete(t, unique, ids)
}

// Simulated: the edge crashed while writing an anomaly — its queue file is
// cut inside the last record. The next client logs an error, skips that
// record and delivers the rest.
func TestTornLastRecordIsSkippedAndTheRestDelivered(t *testing.T) {
	broker := peers.Mosquitto(t, peers.MosquittoPersistent())
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllAnomalies, true)
	dir := t.TempDir()
	broker.Stop()
	c1 := newTestClient(t, broker.URL(), dir)
	ids := publishN(t, c1, 0, 10, cams3)
	c1.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg")) // one: the queue was opened once
	if len(segs) != 1 {
		t.Fatalf("queue files %v, want one segment", segs)
	}
	seg := segs[0]
	st, _ := os.Stat(seg)
	if err := os.Truncate(seg, st.Size()-7); err != nil {
		t.Fatal(err)
	}

	lb := &peers.LogBuffer{}
	c2 := newTestClient(t, broker.URL(), dir, func(o *Options) { o.Log = testLog(t, lb) })
	if !strings.Contains(lb.String(), `"level":"error"`) || !strings.Contains(lb.String(), "torn record skipped") {
		t.Fatalf("no error log for the torn record:\n%s", lb)
	}
	broker.Start()
	msgs := sub.waitUntil(t, 30*time.Second, "9 anomalies", func(m []message) bool { return len(m) >= 9 })
	unique, _ := dedup(t, anomalies(t, msgs))
	checkComplete(t, unique, ids[:9])
	if s := c2.Stats(); s.Corrupt != 1 {
		t.Fatalf("corrupt counter %d, want 1", s.Corrupt)
	}
}

// Simulated: an outage longer than the queue holds. QueueMax 10, 25
// anomalies with the broker down: the 15 oldest are dropped and counted,
// and the newest 10 arrive when it returns.
func TestQueueMaxDropsTheOldestAndCountsThem(t *testing.T) {
	broker := peers.Mosquitto(t, peers.MosquittoPersistent())
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllAnomalies, true)
	broker.Stop()
	c := newTestClient(t, broker.URL(), t.TempDir(), func(o *Options) { o.QueueMax = 10 })
	ids := publishN(t, c, 0, 25, cams3)
	if s := c.Stats(); s.Dropped != 15 || s.Depth != 10 {
		t.Fatalf("stats %+v, want 15 dropped and 10 waiting", s)
	}
	broker.Start()
	msgs := sub.waitUntil(t, 30*time.Second, "10 anomalies", func(m []message) bool { return len(m) >= 10 })
	unique, _ := dedup(t, anomalies(t, msgs))
	checkComplete(t, unique, ids[15:])
}

// Simulated: a long outage while anomaly starts carry 30 KB snapshots
// (repeated bytes standing in for JPEGs). Real: mosquitto, the client, the
// subscriber and the Prometheus collector. QueueMaxBytes holds 4 such
// anomalies; of 12 the 8 oldest are dropped, counted in
// argus_bus_anomalies_dropped_total and logged once, and the newest 4
// arrive in order when the broker returns.
func TestQueueMaxBytesDropsTheOldestCountsAndLogsThem(t *testing.T) {
	broker := peers.Mosquitto(t, peers.MosquittoPersistent())
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllAnomalies, true)
	broker.Stop()
	snapshot := bytes.Repeat([]byte{0xa5}, 30<<10)
	one, _ := json.Marshal(bus.Anomaly{Snapshot: snapshot})
	lb := &peers.LogBuffer{}
	c := newTestClient(t, broker.URL(), t.TempDir(), func(o *Options) {
		o.QueueMaxBytes = int64(4*len(one) + len(one)/2) // JSON of the snapshot, with room for the fields
		o.Log = testLog(t, lb)
	})
	var ids []string
	for i := range 12 {
		a := testAnomaly(i, cams3)
		a.Snapshot = snapshot
		if err := c.PublishAnomaly(a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if s := c.Stats(); s.Dropped != 8 || s.Depth != 4 {
		t.Fatalf("stats %+v, want 8 dropped and 4 waiting", s)
	}
	want := "# HELP argus_bus_anomalies_dropped_total Oldest anomalies dropped because the queue reached its bound in anomalies or bytes.\n" +
		"# TYPE argus_bus_anomalies_dropped_total counter\nargus_bus_anomalies_dropped_total 8\n"
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "argus_bus_anomalies_dropped_total"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(lb.String(), "anomaly queue full: dropping the oldest undelivered anomalies"); n != 1 {
		t.Fatalf("%d drop log lines for one overflow episode, want 1:\n%s", n, lb)
	}
	broker.Start()
	msgs := sub.waitUntil(t, 30*time.Second, "4 anomalies", func(m []message) bool { return len(m) >= 4 })
	unique, _ := dedup(t, anomalies(t, msgs))
	checkComplete(t, unique, ids[8:])
}

// Simulated: the edge dies without a word — its TCP connection is cut
// (closed under paho through a custom dialer) and it cannot come back. The
// broker publishes the will: a retained offline edge status, seen by a
// subscriber that was listening and by one that comes later. The online
// status and the will carry the client's incarnation (fleet mode).
func TestWillMarksTheEdgeOfflineWhenItDies(t *testing.T) {
	broker := peers.Mosquitto(t)
	live := newSubscriber(t, broker.URL(), "watcher", bus.EdgeStatusTopic("edge-1"), false)
	var mu sync.Mutex
	var conns []net.Conn
	dead := false
	c := newTestClient(t, broker.URL(), t.TempDir(), func(o *Options) {
		o.Incarnation = "0123abcd"
		o.dial = func(network, addr string) (net.Conn, error) {
			mu.Lock()
			defer mu.Unlock()
			if dead {
				return nil, errors.New("simulated: the edge is dead")
			}
			conn, err := net.Dial(network, addr)
			if err == nil {
				conns = append(conns, conn)
			}
			return conn, err
		}
	})
	waitConnected(t, c)
	wantIncarnation(t, live.waitUntil(t, 10*time.Second, "online status", lastEdgeState(bus.Online)), "0123abcd")

	mu.Lock()
	dead = true
	for _, conn := range conns {
		conn.Close()
	}
	mu.Unlock()
	wantIncarnation(t, live.waitUntil(t, 30*time.Second, "the will", lastEdgeState(bus.Offline)), "0123abcd")
	late := newSubscriber(t, broker.URL(), "late-watcher", bus.EdgeStatusTopic("edge-1"), false)
	late.waitUntil(t, 10*time.Second, "retained offline status", lastEdgeState(bus.Offline))
}

// wantIncarnation checks the last edge status received carries inc.
func wantIncarnation(t *testing.T, m []message, inc string) {
	t.Helper()
	var s bus.EdgeStatus
	if err := json.Unmarshal(m[len(m)-1].payload, &s); err != nil || s.Incarnation != inc {
		t.Fatalf("edge status %s: incarnation %q, want %q (%v)", m[len(m)-1].payload, s.Incarnation, inc, err)
	}
}

// lastEdgeState holds when the last edge status received has state.
func lastEdgeState(state string) func([]message) bool {
	return func(m []message) bool {
		if len(m) == 0 {
			return false
		}
		var s bus.EdgeStatus
		return json.Unmarshal(m[len(m)-1].payload, &s) == nil && s.State == state && s.Edge == "edge-1"
	}
}

// Close is the graceful way out: the retained status says offline at once.
func TestCloseLeavesARetainedOfflineStatus(t *testing.T) {
	broker := peers.Mosquitto(t)
	c := newTestClient(t, broker.URL(), t.TempDir())
	waitConnected(t, c)
	c.PublishEdgeStatus(bus.EdgeStatus{Cameras: []string{"cam-a"}, Load: 0.5})
	w := newSubscriber(t, broker.URL(), "watcher", bus.EdgeStatusTopic("edge-1"), false)
	w.waitUntil(t, 10*time.Second, "online with cam-a", func(m []message) bool {
		var s bus.EdgeStatus
		return len(m) > 0 && json.Unmarshal(m[len(m)-1].payload, &s) == nil && s.State == bus.Online && len(s.Cameras) == 1
	})
	c.Close()
	late := newSubscriber(t, broker.URL(), "late", bus.EdgeStatusTopic("edge-1"), false)
	late.waitUntil(t, 10*time.Second, "retained offline", lastEdgeState(bus.Offline))
}

// Simulated: camera statuses change while the broker is away (mosquitto
// with persistence, the command center a persistent-session subscriber).
// On reconnect only the latest status of each camera is published.
func TestCameraStatusOnlyTheLatestIsPublishedOnReconnect(t *testing.T) {
	broker := peers.Mosquitto(t, peers.MosquittoPersistent())
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllCameraStatus, true)
	c := newTestClient(t, broker.URL(), t.TempDir())
	waitConnected(t, c)
	for _, cam := range []string{"cam-a", "cam-b"} {
		if err := c.PublishCameraStatus(bus.CameraStatus{Site: "riverside", Camera: cam, State: bus.Online}); err != nil {
			t.Fatal(err)
		}
	}
	before := len(sub.waitUntil(t, 10*time.Second, "2 initial statuses", func(m []message) bool { return len(m) >= 2 }))

	broker.Stop()
	for i, st := range []string{bus.Connecting, bus.Offline, bus.Online, bus.Offline} {
		c.PublishCameraStatus(bus.CameraStatus{Site: "riverside", Camera: "cam-a", State: st, Reason: fmt.Sprint("step ", i)})
	}
	c.PublishCameraStatus(bus.CameraStatus{Site: "riverside", Camera: "cam-b", State: bus.Connecting})
	c.PublishCameraStatus(bus.CameraStatus{Site: "riverside", Camera: "cam-b", State: bus.Disabled})
	broker.Start()
	sub.waitUntil(t, 30*time.Second, "both latest statuses", func(m []message) bool {
		st := statesAfter(m, before)
		return st["cam-a"] != nil && st["cam-b"] != nil
	})
	// A sentinel published now arrives after anything published before it:
	// once it is in, nothing older can still be on its way.
	c.PublishCameraStatus(bus.CameraStatus{Site: "riverside", Camera: "sentinel", State: bus.Online})
	msgs := sub.waitUntil(t, 10*time.Second, "the sentinel", func(m []message) bool { return statesAfter(m, before)["sentinel"] != nil })
	st := statesAfter(msgs, before)
	if got := st["cam-a"]; len(got) != 1 || got[0] != "offline step 3" {
		t.Fatalf("cam-a after reconnect: %v, want only the latest [offline]", got)
	}
	if got := st["cam-b"]; len(got) != 1 || got[0] != bus.Disabled {
		t.Fatalf("cam-b after reconnect: %v, want only the latest [disabled]", got)
	}
	// And the broker retains the latest for a newcomer.
	late := newSubscriber(t, broker.URL(), "late", bus.CameraStatusTopic("riverside", "cam-a"), false)
	late.waitUntil(t, 10*time.Second, "retained latest", func(m []message) bool {
		var s bus.CameraStatus
		return len(m) == 1 && json.Unmarshal(m[0].payload, &s) == nil && s.State == bus.Offline && s.Edge == "edge-1"
	})
}

// statesAfter lists, per camera, the states received after the first skip
// messages, leaving out redeliveries of those (the broker resends what the
// subscriber had not acknowledged when it stopped).
func statesAfter(msgs []message, skip int) map[string][]string {
	old := map[string]bool{}
	for _, m := range msgs[:skip] {
		old[string(m.payload)] = true
	}
	out := map[string][]string{}
	for _, m := range msgs[skip:] {
		var s bus.CameraStatus
		if !old[string(m.payload)] && json.Unmarshal(m.payload, &s) == nil {
			out[s.Camera] = append(out[s.Camera], strings.TrimSpace(s.State+" "+s.Reason))
		}
	}
	return out
}

// Subscriptions survive a broker restart: the client subscribes again on
// connect (its session is clean). Simulated: the gateway sends a command
// after mosquitto (no persistence) came back.
func TestSubscribeSurvivesReconnect(t *testing.T) {
	broker := peers.Mosquitto(t)
	c := newTestClient(t, broker.URL(), t.TempDir())
	waitConnected(t, c)
	got := make(chan bus.Command, 4)
	if err := c.Subscribe(bus.CommandTopic("edge-1"), func(topic string, p []byte) {
		var cmd bus.Command
		if json.Unmarshal(p, &cmd) == nil {
			got <- cmd
		}
	}); err != nil {
		t.Fatal(err)
	}
	broker.Stop()
	broker.Start()
	waitConnected(t, c)
	gw := newSubscriber(t, broker.URL(), "gateway", bus.AllReplies, false)
	// The client may not have re-subscribed yet when it reports connected:
	// the gateway repeats its command until the edge hears it.
	b, _ := json.Marshal(bus.Command{RequestID: "r1", Action: bus.ActionRelayStart, Camera: "cam-a", Time: bus.Now()})
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	for {
		gw.pc.Publish(bus.CommandTopic("edge-1"), 1, false, b)
		select {
		case cmd := <-got:
			if cmd.RequestID != "r1" || cmd.Action != bus.ActionRelayStart {
				t.Fatalf("got %+v", cmd)
			}
			return
		case <-tick.C:
		case <-deadline:
			t.Fatal("command not received after the broker restart")
		}
	}
}

func TestPublishRefusesBadIDs(t *testing.T) {
	c := newTestClient(t, "tcp://127.0.0.1:1", t.TempDir())
	if err := c.PublishAnomaly(bus.Anomaly{ID: "x", Site: "River Side", Camera: "c"}); err == nil {
		t.Fatal("accepted a site with spaces")
	}
	if err := c.PublishCameraStatus(bus.CameraStatus{Site: "s", Camera: "a/b"}); err == nil {
		t.Fatal("accepted a camera with a slash")
	}
	if _, err := New(Options{Broker: "tcp://x:1", Edge: "e", QueueDir: filepath.Join(t.TempDir(), "q")}); err != nil {
		t.Fatal(err)
	} // a missing QueueDir is created
}
