package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// offlineRules is a site's rule set that alerts on a camera that is
// offline: a start after 1 s, then an update every second. Line 7 is the
// rule, where a bad severity is reported.
const offlineRules = `site: %s
version: %d
cameras:
  "*":
    detectors: {health: {}}
    rules:
      - {name: offline, kind: camera_offline, min_duration: 1s, update_every: 1s, end_after: 5s, severity: %s}
`

// liveRulesConfig writes an edge config with one offline camera per site.
func liveRulesConfig(t *testing.T, path, addr, broker, rules string, cams map[string]string) {
	t.Helper()
	var sites, cameras strings.Builder
	for _, site := range []string{"s1", "s2"} {
		if url, ok := cams[site]; ok {
			fmt.Fprintf(&sites, "{id: %s}, ", site)
			fmt.Fprintf(&cameras, "  - {id: cam-%s, site: %s, main: %q}\n", site, site, url)
		}
	}
	writeAtomic(t, path, fmt.Sprintf("edge: {id: edge-rules-file, http: %q, http_token_env: ARGUS_EDGE_TEST_HTTP_TOKEN}\nsites: [%s]\nmqtt: {broker: %q, queue_dir: %q}\n"+
		"detect: {rules_dir: %q}\ncameras:\n%s", addr, strings.TrimSuffix(sites.String(), ", "), broker,
		filepath.Join(filepath.Dir(path), "queue"), rules, cameras.String()))
}

// TestRulesFileChangesApplyLive runs the edge binary with a real mosquitto
// and rewrites a site's rule set file while it runs. Simulated: the cameras
// are RTSP URLs nobody answers, so the camera_offline rule alerts every
// second — the anomalies' rule_version shows which version runs. A new
// version applies (its anomalies carry it); an invalid one is refused with
// file, line and field in the log and the old version keeps alerting; a
// site added by a config change gets its rule set file watched, one
// removed no longer does, and one added back finds its file as it left it
// (no refusal of the version already running).
func TestRulesFileChangesApplyLive(t *testing.T) {
	broker := peers.Mosquitto(t)
	feed := subscribeAnomalies(t, broker.URL(), "command-center", false)
	dir := t.TempDir()
	rules := rulesDir(t, dir)
	s1 := filepath.Join(rules, "s1.yaml")
	writeAtomic(t, s1, fmt.Sprintf(offlineRules, "s1", 1, "high"))
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	cfg := filepath.Join(dir, "edge.yaml")
	cams := map[string]string{"s1": deadCamera(t)}
	liveRulesConfig(t, cfg, addr, broker.URL(), rules, cams)

	_, logs := startEdge(t, cfg)
	logs.await(t, "rule set applied", map[string]string{"site": "s1", "version": "1", "source": s1})
	feed.waitFor(t, 0, 60*time.Second, "a version 1 anomaly", has("cam-s1", 1, "high"))

	writeAtomic(t, s1, fmt.Sprintf(offlineRules, "s1", 2, "critical"))
	logs.await(t, "rule set applied", map[string]string{"site": "s1", "version": "2", "source": s1})
	feed.waitFor(t, 0, 30*time.Second, "a version 2 anomaly", has("cam-s1", 2, "critical"))

	writeAtomic(t, s1, fmt.Sprintf(offlineRules, "s1", 3, "apocalyptic"))
	ev := logs.await(t, "rule set refused; the running one stays", map[string]string{"site": "s1", "source": s1})
	if p := fmt.Sprint(ev["problems"]); !strings.Contains(p, s1+":7") || !strings.Contains(p, "severity") {
		t.Fatalf("refusal does not name file, line and field: %s", p)
	}
	// The old version keeps alerting: the next anomalies (after any sent
	// before the refusal) are still version 2's.
	from := feed.count()
	later := feed.waitFor(t, from, 30*time.Second, "3 anomalies after the refusal", func(a []bus.Anomaly) bool { return len(a) >= 3 })
	for _, a := range later {
		if a.RuleVersion != 2 || a.Severity != "critical" {
			t.Fatalf("after the refused version 3: %s %s version %d %s, want version 2's critical", a.ID, a.State, a.RuleVersion, a.Severity)
		}
	}
	if st := ruleStatus(t, addr, "s1"); st.Live != 2 || !strings.Contains(st.Refused, "severity") {
		t.Fatalf("rules status %+v, want live 2 and the refusal's reason", st)
	}

	// A site added live: its file does not exist yet, and is watched.
	cams["s2"] = deadCamera(t)
	liveRulesConfig(t, cfg, addr, broker.URL(), rules, cams)
	logs.await(t, "no rule set file; waiting for one (or for argus/v1/rules/s2)", map[string]string{"site": "s2"})
	s2 := filepath.Join(rules, "s2.yaml")
	writeAtomic(t, s2, fmt.Sprintf(offlineRules, "s2", 5, "medium"))
	logs.await(t, "rule set applied", map[string]string{"site": "s2", "version": "5", "source": s2})
	feed.waitFor(t, 0, 30*time.Second, "a version 5 anomaly from the added site", has("cam-s2", 5, "medium"))

	delete(cams, "s2")
	liveRulesConfig(t, cfg, addr, broker.URL(), rules, cams)
	logs.await(t, "site removed from the config: its rule set file and topics are no longer followed", map[string]string{"site": "s2"})

	cams["s2"] = deadCamera(t)
	liveRulesConfig(t, cfg, addr, broker.URL(), rules, cams)
	logs.await(t, "rule set file unchanged since applied", map[string]string{"site": "s2", "source": s2})
	if st := ruleStatus(t, addr, "s2"); st.Live != 5 || st.Refused != "" {
		t.Fatalf("rules status of the site added back %+v, want live 5 and no refusal", st)
	}
}

// has is true once an anomaly of camera with that rule version and
// severity was received.
func has(camera string, version int, severity string) func([]bus.Anomaly) bool {
	return func(got []bus.Anomaly) bool {
		for _, a := range got {
			if a.Camera == camera && a.RuleVersion == version && a.Severity == severity {
				return true
			}
		}
		return false
	}
}

// ruleStatus reads one site's rules state from the edge's /api/rules.
func ruleStatus(t *testing.T, addr, site string) RuleStatus {
	t.Helper()
	resp, err := statusGet("http://" + addr + "/api/rules")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var all []RuleStatus
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if st.Site == site {
			return st
		}
	}
	t.Fatalf("no rules status for site %s in %+v", site, all)
	return RuleStatus{}
}
