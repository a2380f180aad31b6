package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestRulesFromFileAndMQTT runs the edge binary with a real mosquitto and
// the simulator's fire scene: a rule set from the rules folder applies at
// start, a newer version arrives as a retained argus/v1/rules/{site}
// message and applies live, and an invalid one is refused with its reason
// while the running version stays.
func TestRulesFromFileAndMQTT(t *testing.T) {
	broker := peers.Mosquitto(t)
	s := peers.Sim(t, sim.Camera{Path: "cam", Scene: peers.TinyScene(sim.Empty, sim.H264)})
	dir := t.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	os.MkdirAll(rulesDir, 0o755)
	set := "site: s1\nversion: %d\ncameras:\n  \"*\":\n    detectors: {motion: {}, health: {}}\n    rules:\n      - {name: offline, kind: camera_offline, severity: %s}\n"
	os.WriteFile(filepath.Join(rulesDir, "s1.yaml"), []byte(fmt.Sprintf(set, 1, "high")), 0o644)
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	cfg := filepath.Join(dir, "edge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`edge: {id: edge-rules, http: %q, http_token_env: ARGUS_EDGE_TEST_HTTP_TOKEN}
sites: [{id: s1}]
mqtt: {broker: %q, queue_dir: %q}
record: {dir: %q}
detect: {rules_dir: %q}
cameras:
  - {id: cam, site: s1, main: %q}
`, addr, broker.URL(), filepath.Join(dir, "queue"), filepath.Join(dir, "recordings"), rulesDir, s.URL("cam"))), 0o644)

	cmd := exec.Command(edgeBin, "-config", cfg, "-log-format", "json")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs := follow(t, stderr)
	logs.await(t, "rule set applied", map[string]string{"site": "s1", "version": "1"})

	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker.URL()).SetClientID("rules-test"))
	if tok := pub.Connect(); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer pub.Disconnect(100)
	publish := func(payload string) {
		if tok := pub.Publish("argus/v1/rules/s1", 1, true, payload); tok.Wait() && tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	statuses := make(chan bus.EdgeStatus, 64)
	pub.Subscribe(bus.EdgeStatusTopic("edge-rules"), 1, func(_ mqtt.Client, m mqtt.Message) {
		var es bus.EdgeStatus
		if json.Unmarshal(m.Payload(), &es) == nil {
			statuses <- es
		}
	}).Wait()
	publish(fmt.Sprintf(set, 2, "critical"))
	logs.await(t, "rule set applied", map[string]string{"site": "s1", "version": "2", "source": "mqtt:argus/v1/rules/s1"})
	awaitRules(t, statuses, bus.RuleVersions{Live: 2}) // the gateway learns it from the edge's status

	// The same message again (the gateway sends a site's sets again when
	// an edge reports older ones) is skipped, not refused as not newer:
	// were it refused, the refusal awaited next would be this one.
	publish(fmt.Sprintf(set, 2, "critical"))

	publish(fmt.Sprintf(set, 3, "apocalyptic"))
	ev := logs.await(t, "rule set refused; the running one stays", map[string]string{"site": "s1"})
	if p := fmt.Sprint(ev["problems"]); !strings.Contains(p, "mqtt:argus/v1/rules/s1:7") || !strings.Contains(p, "severity") {
		t.Fatalf("refusal does not name topic, line and field: %s", p)
	}
	publish(fmt.Sprintf(set, 2, "low")) // not newer than the running version
	ev = logs.await(t, "rule set refused; the running one stays", map[string]string{"site": "s1"})
	if p := fmt.Sprint(ev["problems"]); !strings.Contains(p, "version") {
		t.Fatalf("a stale version is refused without saying so: %s", p)
	}
}

// awaitRules waits for an edge status saying the edge runs want on s1.
func awaitRules(t *testing.T, statuses <-chan bus.EdgeStatus, want bus.RuleVersions) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	var last bus.EdgeStatus
	for {
		select {
		case es := <-statuses:
			if last = es; es.Rules["s1"] == want {
				return
			}
		case <-deadline:
			t.Fatalf("no edge status with rules s1 %+v; last: %+v", want, last.Rules)
		}
	}
}
