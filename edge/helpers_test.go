package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bearer"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// statusToken is the :9100 token of every edge these tests start (their
// configs name ARGUS_EDGE_TEST_HTTP_TOKEN, which TestMain sets).
const statusToken = "edge-status-token-for-tests"

// statusGet GETs url on an edge's :9100 with its token.
func statusGet(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", bearer.Header(statusToken))
	return http.DefaultClient.Do(req)
}

// startEdge runs the edge binary on cfg with JSON logs and follows them; the
// process is killed when the test ends if it is still running.
func startEdge(t *testing.T, cfg string) (*exec.Cmd, *logLines) {
	t.Helper()
	cmd := exec.Command(edgeBin, "-config", cfg, "-log-format", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, follow(t, stderr)
}

// writeAtomic replaces path with data the way careful tools and editors
// do (a new file renamed over the old), so the edge's watcher never reads
// a half-written file.
func writeAtomic(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// collect gathers the events logged with message msg until enough says
// they are enough; other events are passed over.
func (l *logLines) collect(t *testing.T, msg string, within time.Duration, enough func([]map[string]any) bool) []map[string]any {
	t.Helper()
	var got []map[string]any
	timeout := time.After(within)
	for !enough(got) {
		select {
		case ev, ok := <-l.ch:
			if !ok {
				t.Fatalf("edge exited after logging %d %q events", len(got), msg)
			}
			if ev["message"] == msg {
				got = append(got, ev)
			}
		case <-timeout:
			t.Fatalf("after %s: %d %q events, not enough", within, len(got), msg)
		}
	}
	return got
}

// rest returns the events with message msg among those still unread, up to
// the end of the log: for a process that was killed.
func (l *logLines) rest(msg string) []map[string]any {
	var got []map[string]any
	for ev := range l.ch {
		if ev["message"] == msg {
			got = append(got, ev)
		}
	}
	return got
}

// feed stands for the command center on one topic filter: a paho
// subscriber keeping the messages (anomalies, patrol events) in arrival
// order.
type feed[T any] struct {
	mu      sync.Mutex
	got     []T
	changed chan struct{}
}

// anomalyFeed is every anomaly the command center receives.
type anomalyFeed = feed[bus.Anomaly]

// subscribeAnomalies subscribes to argus/v1/anomalies/#. A persistent feed
// (clean session false) keeps its subscription and its queued messages in
// a persistent broker across the broker's stop and start.
func subscribeAnomalies(t *testing.T, url, id string, persistent bool) *anomalyFeed {
	return subscribeFeed[bus.Anomaly](t, url, id, bus.AllAnomalies, persistent)
}

// subscribeFeed subscribes to filter, each message a JSON T.
func subscribeFeed[T any](t *testing.T, url, id, filter string, persistent bool) *feed[T] {
	t.Helper()
	f := &feed[T]{changed: make(chan struct{}, 1)}
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(!persistent).
		SetAutoReconnect(true).SetMaxReconnectInterval(500 * time.Millisecond).SetOrderMatters(true)
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	tok := c.Subscribe(filter, 1, func(_ mqtt.Client, m mqtt.Message) {
		var v T
		if err := json.Unmarshal(m.Payload(), &v); err != nil {
			t.Errorf("%s: not a %T: %v", m.Topic(), v, err)
			return
		}
		f.mu.Lock()
		f.got = append(f.got, v)
		f.mu.Unlock()
		select {
		case f.changed <- struct{}{}:
		default:
		}
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return f
}

// count is the number of messages received so far.
func (f *feed[T]) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

// waitFor returns the messages received from index from on, once cond
// holds for them; it wakes on every message and fails the test after
// within.
func (f *feed[T]) waitFor(t *testing.T, from int, within time.Duration, what string, cond func([]T) bool) []T {
	t.Helper()
	deadline := time.After(within)
	for {
		f.mu.Lock()
		got := append([]T(nil), f.got[min(from, len(f.got)):]...)
		f.mu.Unlock()
		if cond(got) {
			return got
		}
		select {
		case <-f.changed:
		case <-deadline:
			t.Fatalf("after %s: %s not received (%d messages)", within, what, len(got))
		}
	}
}

// deadCamera is an RTSP URL on a port nobody listens on: the camera stays
// offline, and a camera_offline rule alerts on it every second.
func deadCamera(t *testing.T) string {
	return fmt.Sprintf("rtsp://127.0.0.1:%d/cam", peers.FreePort(t))
}

// rulesDir makes a rules folder in dir.
func rulesDir(t *testing.T, dir string) string {
	t.Helper()
	d := filepath.Join(dir, "rules")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}
