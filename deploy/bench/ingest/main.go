// Command ingest measures one edge pulling N simulated 1080p cameras at
// 4 Mbps: the edge process's own CPU per stream and RSS per camera, with the
// simulator's cost measured apart (it runs as its own process). It prints
// figures and asserts nothing. Run it through `make bench`.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

func main() {
	n := flag.Int("cameras", 50, "simulated cameras to pull")
	bin := flag.String("bin", "bin", "folder holding edge and argus-sim")
	window := flag.Duration("window", 30*time.Second, "measuring window, after every camera is online")
	transport := flag.String("transport", "tcp", "RTSP transport of the edge: tcp or udp")
	flag.Parse()
	if err := run(*n, *bin, *window, *transport); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n int, bin string, window time.Duration, transport string) error {
	dir, err := os.MkdirTemp("", "argus-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	simAddr, httpAddr := "127.0.0.1:18554", "127.0.0.1:19100"
	bench.TokenEnv()

	fmt.Printf("ingest bench: %d cameras, scene bench (1920x1080 H.264 ~4 Mbps), transport %s\n", n, transport)
	sim := exec.Command(filepath.Join(bin, "argus-sim"), "-listen", simAddr, "-fleet", "", "-clone", strconv.Itoa(n), "-clone-scene", "bench")
	if err := bench.StartAndAwait(sim, `"ready"`, 10*time.Minute); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	defer bench.Stop(sim)

	// The edge starts with no camera, to measure its fixed RSS; the cameras
	// then arrive by a live config change.
	cfg := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(cfg, edgeConfig(0, simAddr, httpAddr, transport), 0o644); err != nil {
		return err
	}
	edge := exec.Command(filepath.Join(bin, "edge"), "-config", cfg, "-log-format", "json", "-log-level", "warn")
	if err := edge.Start(); err != nil {
		return err
	}
	defer bench.Stop(edge)
	if err := bench.AwaitOnline(httpAddr, 0, time.Minute); err != nil {
		return err
	}
	base := bench.RSSKiB(edge.Process.Pid)
	if err := os.WriteFile(cfg, edgeConfig(n, simAddr, httpAddr, transport), 0o644); err != nil {
		return err
	}
	if err := bench.AwaitOnline(httpAddr, n, 2*time.Minute); err != nil {
		return err
	}
	time.Sleep(5 * time.Second) // let the pulls settle before measuring (a benchmark pause, not a synchronisation)

	e0, s0, t0 := bench.CPUTicks(edge.Process.Pid), bench.CPUTicks(sim.Process.Pid), time.Now()
	time.Sleep(window)
	e1, s1, t1 := bench.CPUTicks(edge.Process.Pid), bench.CPUTicks(sim.Process.Pid), time.Now()
	secs := t1.Sub(t0).Seconds()
	edgeCore := float64(e1-e0) / 100 / secs // clock ticks are 1/100 s on Linux
	simCore := float64(s1-s0) / 100 / secs
	rss := bench.RSSKiB(edge.Process.Pid)
	kbps, fps := bench.Rates(httpAddr)
	fmt.Printf("edge CPU:       %.1f%% of one core in all, %.3f%% per stream (target <= 0.3%%)\n", edgeCore*100, edgeCore*100/float64(n))
	fmt.Printf("edge RSS:       %.1f MiB in all, %.1f MiB with no camera, %.2f MiB per camera (target <= 4 MiB)\n",
		float64(rss)/1024, float64(base)/1024, float64(rss-base)/1024/float64(n))
	fmt.Printf("streams:        %.0f kbit/s and %.1f fps per camera (measured by the edge)\n", kbps/float64(n), fps/float64(n))
	fmt.Printf("simulator CPU:  %.1f%% of one core (not counted above)\n", simCore*100)
	return nil
}

func edgeConfig(n int, simAddr, httpAddr, transport string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: edge-bench, http: %q, http_token_env: "+bench.EdgeTokenEnv+"}\nsites: [{id: bench}]\ncameras:\n", httpAddr)
	for i := range n {
		fmt.Fprintf(&b, "  - {id: bench-%d, site: bench, main: \"rtsp://%s/bench/%d\", transport: %s}\n", i, simAddr, i, transport)
	}
	return []byte(b.String())
}
