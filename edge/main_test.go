package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

func writeConfig(t *testing.T, path, addr string, cams ...string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: edge-e2e, http: %q}\nsites: [{id: s1}]\ncameras:\n", addr)
	for _, c := range cams {
		b.WriteString("  - " + c + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEdgeBinary runs the real edge binary against the simulator: it pulls
// the configured cameras, serves their state, applies a config change live,
// refuses a broken one with file and line while the cameras keep running,
// and stops cleanly on SIGINT.
func TestEdgeBinary(t *testing.T) {
	s := peers.Sim(t, sim.Camera{Path: "one", Scene: peers.TinyScene(sim.Empty, sim.H264)},
		sim.Camera{Path: "two", Scene: peers.TinyScene(sim.Empty, sim.H265)})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "edge.yaml")
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	writeConfig(t, cfg, addr, fmt.Sprintf("{id: one, site: s1, main: %q}", s.URL("one")))

	cmd := exec.Command(edgeBin, "-config", cfg, "-log-format", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs := follow(t, stderr)
	logs.await(t, "camera online", map[string]string{"camera": "one", "codec": "h264"})
	if st := cameraStates(t, addr); st["one"] != "online" {
		t.Fatalf("states %v", st)
	}

	writeConfig(t, cfg, addr, fmt.Sprintf("{id: one, site: s1, main: %q}", s.URL("one")),
		fmt.Sprintf("{id: two, site: s1, main: %q}", s.URL("two")))
	logs.await(t, "camera online", map[string]string{"camera": "two", "codec": "h265"})

	writeConfig(t, cfg, addr, fmt.Sprintf("{id: one, site: s1, main: %q, transport: tpc}", s.URL("one")))
	ev := logs.await(t, "config change refused; the running config stays", nil)
	if p := fmt.Sprint(ev["problems"]); !strings.Contains(p, cfg+":4: cameras[0].transport") {
		t.Fatalf("refusal does not name file, line and field: %s", p)
	}
	if st := cameraStates(t, addr); st["one"] != "online" || st["two"] != "online" {
		t.Fatalf("after a refused change: %v, want both still online", st)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	logs.await(t, "edge stopped", nil)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("edge exit after SIGINT: %v", err)
	}
}

func cameraStates(t *testing.T, addr string) map[string]string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/cameras")
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
