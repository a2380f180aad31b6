package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// TestEdgeKilledWithQueuedAnomaliesLosesNothing: the edge binary is killed
// (SIGKILL: no shutdown code runs) while anomalies pile up in its queue
// with the broker down, then started again on the same queue; when the
// broker returns, everything the killed edge had queued arrives, once and
// in order, followed by what the new one raises.
//
// Real: the edge binary, mosquitto (persistent, so the command center's
// subscription outlives the stop) and a paho subscriber holding a
// persistent session. Simulated: three cameras that never answer (RTSP URLs
// on free ports), whose camera_offline rule raises an anomaly about every
// second per camera; the command center is the subscriber.
//
// Duplicates: anomalies are QoS 1, delivered at least once. The contract
// (README, MQTT contract: "A receiver drops a QoS 1 redelivery that it has
// already seen (same id and seq)") lets receivers drop repeats of an id and
// seq, so the test does the same, then asserts that what is left has no
// gap in seq (nothing lost), grows in arrival order (in order overall and
// so per camera), and holds every anomaly the killed edge logged as queued
// — it logs one only after the queue's fsync — in its camera's order.
func TestEdgeKilledWithQueuedAnomaliesLosesNothing(t *testing.T) {
	broker := peers.Mosquitto(t, peers.MosquittoPersistent())
	feed := subscribeAnomalies(t, broker.URL(), "command-center", true)
	broker.Stop()

	dir := t.TempDir()
	rules := rulesDir(t, dir)
	writeAtomic(t, filepath.Join(rules, "s1.yaml"), strings.Replace(fmt.Sprintf(offlineRules, "s1", 1, "high"),
		"update_every: 1s", "update_every: 500ms", 1))
	cams := []string{"cam-a", "cam-b", "cam-c"}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "edge: {id: edge-crash, http: \"127.0.0.1:%d\", http_token_env: ARGUS_EDGE_TEST_HTTP_TOKEN}\nsites: [{id: s1}]\nmqtt: {broker: %q, queue_dir: %q}\n"+
		"detect: {rules_dir: %q}\ncameras:\n", peers.FreePort(t), broker.URL(), filepath.Join(dir, "queue"), rules)
	for _, c := range cams {
		fmt.Fprintf(&cfg, "  - {id: %s, site: s1, main: %q}\n", c, deadCamera(t))
	}
	cfgPath := filepath.Join(dir, "edge.yaml")
	writeAtomic(t, cfgPath, cfg.String())

	first, logs := startEdge(t, cfgPath)
	queued := logs.collect(t, "anomaly", 60*time.Second, perCamera(cams, 4))
	if err := first.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	queued = append(queued, logs.rest("anomaly")...) // logged before it died; read before Wait closes the pipe
	first.Wait()
	t.Logf("killed the edge after it logged %d anomalies as queued", len(queued))

	_, logs = startEdge(t, cfgPath)
	ev := logs.await(t, "anomaly queue reopened with undelivered anomalies", nil)
	if n, _ := ev["waiting"].(float64); int(n) < len(queued) {
		t.Fatalf("the restarted edge found %v anomalies waiting, the killed one had queued %d", ev["waiting"], len(queued))
	}
	broker.Start()

	want := byCamera(queued)
	killedIDs := map[string]bool{}
	for _, ev := range queued {
		killedIDs[fmt.Sprint(ev["anomaly"])] = true
	}
	got := feed.waitFor(t, 0, 90*time.Second, "every queued anomaly, then the restarted edge's on every camera",
		func(got []bus.Anomaly) bool {
			restarted := map[string]bool{} // cameras with an anomaly the restarted edge started: a new id
			for _, a := range got {
				if !killedIDs[a.ID] {
					restarted[a.Camera] = true
				}
			}
			return len(restarted) == len(cams)
		})
	unique := dedupByIDSeq(got)
	t.Logf("%d anomalies received, %d after dropping redeliveries", len(got), len(unique))
	for i := 1; i < len(unique); i++ {
		if unique[i].Seq != unique[i-1].Seq+1 {
			t.Fatalf("seq %d (%s) after %d: lost or out of order", unique[i].Seq, unique[i].ID, unique[i-1].Seq)
		}
	}
	for _, c := range cams {
		var seen []string
		for _, a := range unique {
			if a.Camera == c {
				seen = append(seen, a.ID+" "+a.State)
			}
		}
		if len(seen) < len(want[c]) || strings.Join(seen[:len(want[c])], ", ") != strings.Join(want[c], ", ") {
			t.Fatalf("camera %s: received\n%v\nwant first what the killed edge queued\n%v", c, seen, want[c])
		}
	}
}

// perCamera is true once at least n events were logged for each camera.
func perCamera(cams []string, n int) func([]map[string]any) bool {
	return func(evs []map[string]any) bool {
		for _, c := range cams {
			if len(byCamera(evs)[c]) < n {
				return false
			}
		}
		return true
	}
}

// byCamera lists logged anomalies per camera as "id state", in log order.
func byCamera(evs []map[string]any) map[string][]string {
	out := map[string][]string{}
	for _, ev := range evs {
		c := fmt.Sprint(ev["camera"])
		out[c] = append(out[c], fmt.Sprint(ev["anomaly"])+" "+fmt.Sprint(ev["state"]))
	}
	return out
}

// dedupByIDSeq drops repeats of an id and seq already received, as the
// contract lets a receiver do.
func dedupByIDSeq(in []bus.Anomaly) []bus.Anomaly {
	seen := map[string]bool{}
	var out []bus.Anomaly
	for _, a := range in {
		k := fmt.Sprintf("%s/%d", a.ID, a.Seq)
		if !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out
}
