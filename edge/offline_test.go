package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestCameraOfflineAnomaly runs the edge binary with a real mosquitto and
// a simulator camera behind a link the test cuts (drivers/peers.Link):
// while cut, every reconnection hangs until the read timeout (3 s here,
// longer than the rule's end_after), as with a camera that died. The
// subscriber sees one camera_offline anomaly: a start, updates, and one
// end after the camera is back, under one id. The camera is then cut
// again and the edge stopped with SIGINT: the new anomaly's end is queued
// before the bus closes and reaches the subscriber, at once or, if the
// edge stopped first, from the disk queue when it starts again.
func TestCameraOfflineAnomaly(t *testing.T) {
	broker := peers.Mosquitto(t)
	s := peers.Sim(t, sim.Camera{Path: "cam", Scene: peers.TinyScene(sim.Empty, sim.H264)})
	link := peers.CameraLink(t, s.URL("cam"))
	got := anomalyChan(t, broker.URL())

	dir := t.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	os.MkdirAll(rulesDir, 0o755)
	os.WriteFile(filepath.Join(rulesDir, "s1.yaml"), []byte(`site: s1
version: 1
cameras:
  "*":
    detectors: {motion: {}, health: {}}
    rules:
      - {name: offline, kind: camera_offline, end_after: 2s, update_every: 1s}
`), 0o644)
	cfg := filepath.Join(dir, "edge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`edge: {id: edge-offline, http: "127.0.0.1:%d", http_token_env: ARGUS_EDGE_TEST_HTTP_TOKEN}
sites: [{id: s1}]
mqtt: {broker: %q, queue_dir: %q}
record: {dir: %q}
detect: {rules_dir: %q}
ingest: {read_timeout: 3s, reconnect: {min: 500ms, max: 1s}}
cameras:
  - {id: cam, site: s1, main: %q}
`, peers.FreePort(t), broker.URL(), filepath.Join(dir, "queue"), filepath.Join(dir, "recordings"), rulesDir, link.URL())), 0o644)
	edge, logs := startEdge(t, cfg)
	logs.await(t, "camera online", map[string]string{"camera": "cam"})

	link.Cut()
	start, _ := awaitAnomaly(t, got, "", bus.StateStart)
	for range 3 { // the cut, then two reconnections that hung until the read timeout
		logs.await(t, "camera offline", map[string]string{"camera": "cam"})
	}
	link.Restore()
	logs.await(t, "camera online", map[string]string{"camera": "cam"})
	end, updates := awaitAnomaly(t, got, start.ID, bus.StateEnd)
	t.Logf("offline %s from %s to %s, %d updates", start.ID, start.FrameTime.Time.Format("15:04:05.000"),
		end.FrameTime.Time.Format("15:04:05.000"), updates)
	if updates < 3 {
		t.Fatalf("%d updates in an outage of more than 6 s, want one every 1 or 2 s (ticks)", updates)
	}

	link.Cut()
	again, _ := awaitAnomaly(t, got, "", bus.StateStart)
	if again.ID == start.ID {
		t.Fatalf("the second outage reuses id %s", again.ID)
	}
	if err := edge.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	logs.await(t, "anomaly", map[string]string{"anomaly": again.ID, "state": bus.StateEnd})
	closed := logs.await(t, "bus: closed", nil)
	if err := edge.Wait(); err != nil {
		t.Fatalf("edge exit after SIGINT: %v", err)
	}
	if fmt.Sprint(closed["undelivered"]) != "0" {
		t.Logf("%v anomalies left in the queue: starting the edge again to deliver them", closed["undelivered"])
		startEdge(t, cfg)
	}
	awaitAnomaly(t, got, again.ID, bus.StateEnd)
}

// anomalyChan delivers every anomaly published on the broker.
func anomalyChan(t *testing.T, url string) <-chan bus.Anomaly {
	t.Helper()
	ch := make(chan bus.Anomaly, 1024)
	c := peers.MQTTClient(t, url, "offline-test")
	tok := c.Subscribe(bus.Root+"/anomalies/#", 1, func(_ paho.Client, m paho.Message) {
		var a bus.Anomaly
		if err := json.Unmarshal(m.Payload(), &a); err != nil {
			t.Errorf("anomaly payload: %v", err)
			return
		}
		ch <- a
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return ch
}

// awaitAnomaly returns the next camera_offline anomaly event, which must be
// of id (any id when "") and in state, and the number of updates of id
// before it; any other offline event fails.
func awaitAnomaly(t *testing.T, ch <-chan bus.Anomaly, id, state string) (bus.Anomaly, int) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	updates := 0
	for {
		select {
		case a := <-ch:
			if a.Kind != bus.KindCameraOffline {
				continue
			}
			if a.ID == id && a.State == bus.StateUpdate {
				updates++
				continue
			}
			if (id != "" && a.ID != id) || a.State != state {
				t.Fatalf("offline anomaly %s %s, want %s %s", a.ID, a.State, id, state)
			}
			return a, updates
		case <-timeout:
			t.Fatalf("no offline anomaly %s %s", id, state)
		}
	}
}
