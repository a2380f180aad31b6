// Command sizing measures how many cameras one core of an edge analyses,
// per kind of watching, at 720p and 1080p: it runs the real edge process
// on the simulator's streams (argus-sim, its own process, not counted),
// with a rule set per profile, and reads the edge's CPU from /proc over a
// window once every camera is online and its first look is over. It
// prints a Markdown table and asserts nothing. Run it through `make bench`
// (or go run ./deploy/bench/sizing -bin bin).
//
// Profiles (rule set of every camera; the camera's scene):
//   - idle: every detector listed, an empty street with sensor noise:
//     nothing moves, the camera stays idle (keyframes, luma, 1 fps);
//   - motion: motion and health only, real pedestrians (vtest.avi):
//     the camera is active (every frame decoded, 5 analysed per second);
//   - fire+smoke: motion, fire, smoke and health on the pedestrians;
//   - objects: motion, objects (YOLOX-nano), fire, smoke and health on the
//     pedestrians: the model looks at the motion crops of 5 frames a second.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

// profile is one kind of watching.
type profile struct {
	name, scene, detectors, rules string
	// cameras per resolution: enough to read the CPU well, few enough not
	// to overload a 2-core machine (the analysis would then shed frames
	// and the cost per camera would read low).
	cameras map[string]int
}

var profiles = []profile{
	{"idle", "empty", "{motion: {}, objects: {}, fire: {}, smoke: {}, health: {}}",
		"[{name: p, kind: person}, {name: f, kind: fire}, {name: s, kind: smoke}]", map[string]int{"720p": 24, "1080p": 16}},
	{"motion", "people", "{motion: {}, health: {}}",
		"[{name: m, kind: motion, min_duration: 1h}]", map[string]int{"720p": 6, "1080p": 4}},
	{"fire+smoke", "people", "{motion: {}, fire: {}, smoke: {}, health: {}}",
		"[{name: f, kind: fire}, {name: s, kind: smoke}]", map[string]int{"720p": 4, "1080p": 3}},
	{"objects", "people", "{motion: {}, objects: {}, fire: {}, smoke: {}, health: {}}",
		"[{name: p, kind: person}, {name: f, kind: fire}, {name: s, kind: smoke}]", map[string]int{"720p": 2, "1080p": 2}},
}

var sizes = []struct{ name, wxh string }{{"720p", "1280x720"}, {"1080p", "1920x1080"}}

func main() {
	bin := flag.String("bin", "bin", "folder holding edge and argus-sim")
	window := flag.Duration("window", 20*time.Second, "measuring window, after every camera is online and settled")
	settle := flag.Duration("settle", 15*time.Second, "wait after all cameras are online: the whole-frame look of a camera coming online keeps it active for the quiet period (10 s)")
	only := flag.String("only", "", "run only the profiles named, comma-separated")
	cams := flag.Int("cameras", 0, "cameras per run in place of each profile's own number")
	flag.Parse()
	if abs, err := filepath.Abs(*bin); err == nil {
		*bin = abs // the edge runs in a temporary directory
	}
	fmt.Println("| profile | picture | cameras | edge CPU (% of a core) | per camera | cameras per core | analysed fps per camera | active cameras |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, p := range profiles {
		if *only != "" && !strings.Contains(","+*only+",", ","+p.name+",") {
			continue
		}
		for _, s := range sizes {
			n := p.cameras[s.name]
			if *cams > 0 {
				n = *cams
			}
			r, err := measure(*bin, p, s.wxh, n, *settle, *window)
			if err != nil {
				fmt.Fprintf(os.Stderr, "sizing %s %s: %v\n", p.name, s.name, err)
				os.Exit(1)
			}
			fmt.Printf("| %s | %s | %d | %.0f | %.1f%% | %.1f | %.1f | %d of %d |\n", p.name, s.name, n, r.core*100,
				r.core*100/float64(n), float64(n)/r.core, r.fps/float64(n), r.active, n)
		}
	}
}

// result is one measurement.
type result struct {
	core   float64 // edge CPU in cores over the window
	fps    float64 // frames analysed per second, all cameras
	active int     // cameras in active mode at the end
}

func measure(bin string, p profile, wxh string, n int, settle, window time.Duration) (result, error) {
	dir, err := os.MkdirTemp("", "argus-sizing-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	simAddr, httpAddr := freeAddr(), freeAddr()
	sim := exec.Command(filepath.Join(bin, "argus-sim"), "-listen", simAddr, "-udp", "", "-fleet", "", "-log-format", "json",
		"-clone", strconv.Itoa(n), "-clone-scene", p.scene, "-clone-size", wxh)
	if err := bench.StartAndAwait(sim, `"ready"`, 15*time.Minute); err != nil {
		return result{}, fmt.Errorf("simulator: %w", err)
	}
	defer bench.Stop(sim)

	rules := filepath.Join(dir, "rules")
	os.MkdirAll(rules, 0o755)
	set := fmt.Sprintf("site: bench\nversion: 1\ncameras:\n  \"*\":\n    detectors: %s\n    rules: %s\n", p.detectors, p.rules)
	if err := os.WriteFile(filepath.Join(rules, "bench.yaml"), []byte(set), 0o644); err != nil {
		return result{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: edge-sizing, http: %q}\nsites: [{id: bench}]\ndetect: {rules_dir: %q}\ncameras:\n", httpAddr, rules)
	for i := range n {
		fmt.Fprintf(&b, "  - {id: cam-%d, site: bench, main: \"rtsp://%s/%s/%d\"}\n", i, simAddr, p.scene, i)
	}
	cfg := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return result{}, err
	}
	edge := exec.Command(filepath.Join(bin, "edge"), "-config", cfg, "-log-format", "json", "-log-level", "warn")
	edge.Dir = dir
	edge.Stderr = os.Stderr // warnings only: an overloaded or failing edge says so
	if err := edge.Start(); err != nil {
		return result{}, err
	}
	defer bench.Stop(edge)
	if err := bench.AwaitOnline(httpAddr, n, 2*time.Minute); err != nil {
		return result{}, err
	}
	time.Sleep(settle) // a benchmark pause before measuring, not a synchronisation

	pid := edge.Process.Pid
	a0, _ := analysis(httpAddr)
	c0, t0 := bench.CPUTicks(pid), time.Now()
	time.Sleep(window)
	c1, t1 := bench.CPUTicks(pid), time.Now()
	a1, err := analysis(httpAddr)
	if err != nil {
		return result{}, err
	}
	secs := t1.Sub(t0).Seconds()
	r := result{core: float64(c1-c0) / 100 / secs} // clock ticks are 1/100 s on Linux
	for id, st := range a1 {
		r.fps += float64(st.Analysed-a0[id].Analysed) / secs
		if st.Mode == "active" {
			r.active++
		}
	}
	return r, nil
}

// camAnalysis is one camera's entry in /api/analysis.
type camAnalysis struct {
	Camera   string `json:"camera"`
	Mode     string `json:"mode"`
	Analysed uint64 `json:"analysed"`
}

// analysis reads the edge's analysis state per camera.
func analysis(addr string) (map[string]camAnalysis, error) {
	resp, err := http.Get("http://" + addr + "/api/analysis")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body []camAnalysis
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := map[string]camAnalysis{}
	for _, a := range body {
		out[a.Camera] = a
	}
	return out, nil
}

// freeAddr is a loopback address with a port free now: the machine is
// shared, fixed ports may be taken.
func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer l.Close()
	return l.Addr().String()
}
