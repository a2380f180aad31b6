package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/models"
)

var edgeBin string

func TestMain(m *testing.M) {
	models.VetChild()
	dir, err := os.MkdirTemp("", "argus-edge-test-")
	if err != nil {
		panic(err)
	}
	edgeBin = filepath.Join(dir, "edge")
	// Every edge these tests start inherits its :9100 token.
	os.Setenv("ARGUS_EDGE_TEST_HTTP_TOKEN", statusToken)
	if out, err := exec.Command("go", "build", "-o", edgeBin, ".").CombinedOutput(); err != nil {
		panic(fmt.Sprintf("build edge: %v\n%s", err, out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// logLines follows the edge's JSON log, one event per line.
type logLines struct {
	ch chan map[string]any
}

func follow(t *testing.T, r io.Reader) *logLines {
	l := &logLines{ch: make(chan map[string]any, 1024)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var ev map[string]any
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Errorf("log line is not one JSON event: %q", sc.Text())
				continue
			}
			l.ch <- ev
		}
		close(l.ch)
	}()
	return l
}

// await returns the first event whose message is msg and that has every
// field of want.
func (l *logLines) await(t *testing.T, msg string, want map[string]string) map[string]any {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case ev, ok := <-l.ch:
			if !ok {
				t.Fatalf("edge exited before logging %q", msg)
			}
			if ev["message"] != msg {
				continue
			}
			match := true
			for k, v := range want {
				if fmt.Sprint(ev[k]) != v {
					match = false
				}
			}
			if match {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %q log event with %v", msg, want)
		}
	}
}

// writeConfig writes an edge config of cams on site s1, whose rule sets are
// in the folder rules.
func writeConfig(t *testing.T, path, addr, rules string, cams ...string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: edge-e2e, http: %q, http_token_env: ARGUS_EDGE_TEST_HTTP_TOKEN}\nsites: [{id: s1}]\ncameras:\n", addr)
	for _, c := range cams {
		b.WriteString("  - " + c + "\n")
	}
	fmt.Fprintf(&b, "detect: {rules_dir: %q}\nrecord: {dir: %q}\n", rules, filepath.Join(filepath.Dir(path), "recordings"))
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// coveredRules raises camera_covered on site s1 whenever a picture stays
// black (the health detector's 2 s), and ends it a second after.
const coveredRules = `site: s1
version: 1
cameras:
  "*":
    detectors: {health: {}}
    rules:
      - {name: covered, kind: camera_covered, end_after: 1s, severity: high}
`

// TestEdgeBinary runs the real edge binary against the simulator: it pulls
// the configured cameras, serves their state, applies a config change live,
// refuses a broken one with file and line while the cameras keep running,
// and stops on SIGINT: from "edge stopping" on, no anomaly starts (a
// simulated camera that goes black every 8 s keeps raising them until
// then), and the process exits cleanly.
func TestEdgeBinary(t *testing.T) {
	black := sim.SceneSpec{Kind: sim.Black, Codec: sim.H264, Width: 320, Height: 240, FPS: 10,
		GOP: 500 * time.Millisecond, Duration: 8 * time.Second}
	s := peers.Sim(t, sim.Camera{Path: "one", Scene: peers.TinyScene(sim.Empty, sim.H264)},
		sim.Camera{Path: "two", Scene: peers.TinyScene(sim.Empty, sim.H265)}, sim.Camera{Path: "black", Scene: black})
	dir := t.TempDir()
	rules := rulesDir(t, dir)
	if err := os.WriteFile(filepath.Join(rules, "s1.yaml"), []byte(coveredRules), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "edge.yaml")
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	blackCam := fmt.Sprintf("{id: black, site: s1, main: %q}", s.URL("black"))
	writeConfig(t, cfg, addr, rules, fmt.Sprintf("{id: one, site: s1, main: %q}", s.URL("one")), blackCam)

	cmd, logs := startEdge(t, cfg)
	logs.await(t, "camera online", map[string]string{"camera": "one", "codec": "h264"})
	if st := cameraStates(t, addr); st["one"] != "online" {
		t.Fatalf("states %v", st)
	}
	// The analysis' load is on /metrics: its budget (every core by
	// default) and each camera's series.
	metrics := getText(t, "http://"+addr+"/metrics")
	for _, want := range []string{"argus_analysis_budget_cores", `argus_analysis_frames_shed_total{camera="one",reason="budget",site="s1"} 0`,
		`argus_analysis_lag_seconds{camera="one",site="s1"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	writeConfig(t, cfg, addr, rules, fmt.Sprintf("{id: one, site: s1, main: %q}", s.URL("one")), blackCam,
		fmt.Sprintf("{id: two, site: s1, main: %q}", s.URL("two")))
	logs.await(t, "camera online", map[string]string{"camera": "two", "codec": "h265"})

	writeConfig(t, cfg, addr, rules, fmt.Sprintf("{id: one, site: s1, main: %q, transport: tpc}", s.URL("one")), blackCam)
	ev := logs.await(t, "config change refused; the running config stays", nil)
	if p := fmt.Sprint(ev["problems"]); !strings.Contains(p, cfg+":4: cameras[0].transport") {
		t.Fatalf("refusal does not name file, line and field: %s", p)
	}
	if st := cameraStates(t, addr); st["one"] != "online" || st["two"] != "online" {
		t.Fatalf("after a refused change: %v, want both still online", st)
	}

	logs.await(t, "anomaly", map[string]string{"camera": "black", "kind": "camera_covered", "state": "start"})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	var hung atomic.Bool
	guard := time.AfterFunc(30*time.Second, func() { hung.Store(true); cmd.Process.Kill() }) // a hang guard, not a target
	logs.await(t, "edge stopping", nil)
	for _, ev := range logs.rest("anomaly") { // up to the end of the log: the process has exited
		if ev["state"] == "start" {
			t.Errorf("anomaly started after \"edge stopping\": %v", ev)
		}
	}
	guard.Stop()
	if hung.Load() {
		t.Fatal("edge still running 30 s after SIGINT")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("edge exit after SIGINT: %v", err)
	}
	t.Logf("edge exited %v after SIGINT", time.Since(sent).Round(time.Millisecond))

	// The black camera's anomaly got a clip (cameras record events by
	// default), closed by the stop at the latest, that ffprobe reads.
	clips, _ := filepath.Glob(filepath.Join(dir, "recordings", "black", "clips", "*", "*.mp4"))
	if len(clips) == 0 {
		t.Fatal("no clip of the black camera's anomaly")
	}
	peers.Need(t, "ffprobe", "ffmpeg")
	for _, c := range clips {
		if out, err := exec.Command("ffprobe", "-v", "error", c).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("ffprobe %s: %v %s", c, err, out)
		}
	}
}

func cameraStates(t *testing.T, addr string) map[string]string {
	t.Helper()
	resp, err := statusGet("http://" + addr + "/api/cameras")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Cameras []struct{ ID, State string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	st := map[string]string{}
	for _, c := range body.Cameras {
		st[c.ID] = c.State
	}
	return st
}
