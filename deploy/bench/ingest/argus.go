package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
	"github.com/argus-edge/argus/drivers/bearer"
)

const (
	edgeHTTP  = "127.0.0.1:19100"
	edgePprof = "127.0.0.1:16060"
)

// runArgus measures the edge pulling the cameras: no rules reach it (no
// bus), so every camera's analysis is idle and decodes nothing; no viewer,
// no recording. With profile set it then profiles the edge (profile.go).
func runArgus(s settings, simPid int, profile bool) (result, error) {
	dir, err := os.MkdirTemp("", "argus-bench-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	// The edge starts with no camera, to measure its fixed RSS; the cameras
	// then arrive by a live config change.
	cfg := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(cfg, edgeConfig(s, 0), 0o644); err != nil {
		return result{}, err
	}
	edge := exec.Command(filepath.Join(s.bin, "edge"), "-config", cfg, "-log-format", "json", "-log-level", "warn", "-pprof", edgePprof)
	edge.Stderr = os.Stderr
	if err := edge.Start(); err != nil {
		return result{}, err
	}
	defer bench.Stop(edge)
	if err := bench.AwaitOnline(edgeHTTP, 0, time.Minute); err != nil {
		return result{}, err
	}
	time.Sleep(2 * time.Second) // the fixed RSS once the process has settled (a benchmark pause)
	base := bench.RSSKiB(edge.Process.Pid)
	if err := os.WriteFile(cfg, edgeConfig(s, s.n), 0o644); err != nil {
		return result{}, err
	}
	if err := bench.AwaitOnline(edgeHTTP, s.n, 2*time.Minute); err != nil {
		return result{}, err
	}
	r := window(s, edge.Process.Pid, simPid, edgeBytes)
	r.who, r.n, r.baseKiB = "argus edge", s.n, base
	_, fps := bench.Rates(edgeHTTP)
	r.extraCol = fmt.Sprintf("%.0f kbit/s, %.1f fps per camera", r.kbps, fps/float64(s.n))
	if profile && s.out != "" {
		if err := profileEdge(s, edge.Process.Pid); err != nil {
			fmt.Fprintln(os.Stderr, "  profile:", err) // the figures stand without it
		}
	}
	return r, nil
}

// edgeBytes sums the RTP payload bytes the edge counted received
// (argus_camera_bytes_total), -1 when its metrics cannot be read.
func edgeBytes() float64 {
	req, err := http.NewRequest(http.MethodGet, "http://"+edgeHTTP+"/metrics", nil)
	if err != nil {
		return -1
	}
	req.Header.Set("Authorization", bearer.Header(bench.EdgeToken))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "argus_camera_bytes_total{"); ok {
			f := strings.Fields(rest)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				return -1
			}
			total += v
		}
	}
	return total
}

func edgeConfig(s settings, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: edge-bench, http: %q, http_token_env: "+bench.EdgeTokenEnv+"}\nsites: [{id: bench}]\ncameras:\n", edgeHTTP)
	for i := range n {
		fmt.Fprintf(&b, "  - {id: bench-%d, site: bench, main: %q, transport: %s, record: {mode: %s}}\n", i, cameraURL(s, i), s.transport, s.record)
	}
	return []byte(b.String())
}
