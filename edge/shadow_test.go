package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// shadowSet is a fire watch whose fire detector reports flames of at
// least min_area of the frame; shadow is "" or "shadow: true".
const shadowSet = `site: s1
version: %d
%s
cameras:
  "*":
    detectors:
      motion: {threshold: 20, min_area: 0.001}
      fire: {min_area: %v}
    rules:
      - {name: fire, kind: fire, min_score: 0.5, min_duration: 2s, end_after: 5s, severity: critical}
`

// TestShadowThresholdOverMQTT is a threshold change in shadow, end to
// end: the edge binary pulls the simulator's fire scene (ffmpeg-encoded
// 640x360, over RTSP) under a live set whose fire detector asks a flame
// of 90% of the frame, which never comes; a shadow set with the
// detector's default arrives as a retained argus/v1/rules/s1/shadow
// message through a real mosquitto. The shadow's fire runs as its own
// instance beside the live one: a fire anomaly marked shadow, its id
// ending in .shadow, reaches a subscriber, and no live one does; the
// edge's :9100 lists the shadow's own fire and counts its runs. The
// scene's flame is seen about 12 s into its 20 s loop, which is most of
// the test's time.
func TestShadowThresholdOverMQTT(t *testing.T) {
	broker := peers.Mosquitto(t)
	s := peers.Sim(t, sim.Camera{Path: "cam", Scene: sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360, FPS: 10}})
	dir := t.TempDir()
	rules := rulesDir(t, dir)
	if err := os.WriteFile(filepath.Join(rules, "s1.yaml"), []byte(fmt.Sprintf(shadowSet, 1, "", 0.9)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "edge.yaml")
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`edge: {id: edge-shadow, http: %q, http_token_env: ARGUS_EDGE_TEST_HTTP_TOKEN}
sites: [{id: s1}]
mqtt: {broker: %q, queue_dir: %q}
detect: {rules_dir: %q}
cameras:
  - {id: cam, site: s1, main: %q}
`, addr, broker.URL(), filepath.Join(dir, "queue"), rules, s.URL("cam"))), 0o644); err != nil {
		t.Fatal(err)
	}
	feed := subscribeAnomalies(t, broker.URL(), "shadow-test", false)
	_, logs := startEdge(t, cfg)
	logs.await(t, "rule set applied", map[string]string{"site": "s1", "version": "1"})

	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker.URL()).SetClientID("shadow-pub"))
	if tok := pub.Connect(); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer pub.Disconnect(100)
	topic := "argus/v1/rules/s1/shadow"
	if tok := pub.Publish(topic, 1, true, fmt.Sprintf(shadowSet, 2, "shadow: true", 0)); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	logs.await(t, "rule set applied", map[string]string{"site": "s1", "version": "2", "source": "mqtt:" + topic})

	isFire := func(a bus.Anomaly) bool { return a.Kind == bus.KindFire && a.State == bus.StateStart }
	got := feed.waitFor(t, 0, 60*time.Second, "a shadow fire", func(as []bus.Anomaly) bool {
		for _, a := range as {
			if isFire(a) && a.Shadow {
				return true
			}
		}
		return false
	})
	// The edge says what runs for the shadow: the analysis status lists
	// the shadow's own instance, the metrics its runs apart from live ones.
	var analysis []struct {
		Camera          string   `json:"camera"`
		ShadowDetectors []string `json:"shadow_detectors"`
	}
	text := getText(t, "http://"+addr+"/api/analysis")
	if err := json.Unmarshal([]byte(text), &analysis); err != nil || len(analysis) != 1 ||
		!slices.Equal(analysis[0].ShadowDetectors, []string{"fire"}) {
		t.Errorf("/api/analysis does not list the shadow's own fire (%v): %s", err, text)
	}
	metrics := getText(t, "http://"+addr+"/metrics")
	for _, want := range []string{`argus_analysis_detector_runs_total{camera="cam",detector="shadow/fire",site="s1"}`,
		"argus_analysis_shadow_demand_cores", `argus_analysis_frames_shed_total{camera="cam",reason="shadow",site="s1"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, a := range got {
		switch {
		case isFire(a) && !a.Shadow:
			t.Errorf("live fire %s under a live set whose fire asks 90%% of the frame", a.ID)
		case isFire(a) && (!strings.HasSuffix(a.ID, ".shadow") || a.RuleVersion != 2):
			t.Errorf("shadow fire %s of version %d, want an id ending .shadow and version 2", a.ID, a.RuleVersion)
		}
	}
}
