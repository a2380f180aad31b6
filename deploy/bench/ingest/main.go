// Command ingest measures one edge pulling N simulated 1080p cameras at
// 4 Mbps: the edge process's own CPU per stream and RSS per camera, with the
// simulator's cost measured apart (it runs as its own process). It prints
// figures and asserts nothing. Run it through `make bench`.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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

	fmt.Printf("ingest bench: %d cameras, scene bench (1920x1080 H.264 ~4 Mbps), transport %s\n", n, transport)
	sim := exec.Command(filepath.Join(bin, "argus-sim"), "-listen", simAddr, "-fleet", "", "-clone", strconv.Itoa(n), "-clone-scene", "bench")
	if err := startAndAwait(sim, `"ready"`, 10*time.Minute); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	defer stop(sim)

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
	defer stop(edge)
	if err := awaitOnline(httpAddr, 0, time.Minute); err != nil {
		return err
	}
	base := rssKiB(edge.Process.Pid)
	if err := os.WriteFile(cfg, edgeConfig(n, simAddr, httpAddr, transport), 0o644); err != nil {
		return err
	}
	if err := awaitOnline(httpAddr, n, 2*time.Minute); err != nil {
		return err
	}
	time.Sleep(5 * time.Second) // let the pulls settle before measuring (a benchmark pause, not a synchronisation)

	e0, s0, t0 := cpuTicks(edge.Process.Pid), cpuTicks(sim.Process.Pid), time.Now()
	time.Sleep(window)
	e1, s1, t1 := cpuTicks(edge.Process.Pid), cpuTicks(sim.Process.Pid), time.Now()
	secs := t1.Sub(t0).Seconds()
	edgeCore := float64(e1-e0) / 100 / secs // clock ticks are 1/100 s on Linux
	simCore := float64(s1-s0) / 100 / secs
	rss := rssKiB(edge.Process.Pid)
	kbps, fps := rates(httpAddr)
	fmt.Printf("edge CPU:       %.1f%% of one core in all, %.3f%% per stream (target <= 0.3%%)\n", edgeCore*100, edgeCore*100/float64(n))
	fmt.Printf("edge RSS:       %.1f MiB in all, %.1f MiB with no camera, %.2f MiB per camera (target <= 4 MiB)\n",
		float64(rss)/1024, float64(base)/1024, float64(rss-base)/1024/float64(n))
	fmt.Printf("streams:        %.0f kbit/s and %.1f fps per camera (measured by the edge)\n", kbps/float64(n), fps/float64(n))
	fmt.Printf("simulator CPU:  %.1f%% of one core (not counted above)\n", simCore*100)
	return nil
}

func edgeConfig(n int, simAddr, httpAddr, transport string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: edge-bench, http: %q}\nsites: [{id: bench}]\ncameras:\n", httpAddr)
	for i := range n {
		fmt.Fprintf(&b, "  - {id: bench-%d, site: bench, main: \"rtsp://%s/bench/%d\", transport: %s}\n", i, simAddr, i, transport)
	}
	return []byte(b.String())
}

// startAndAwait starts cmd and waits for a line of its stderr holding want.
func startAndAwait(cmd *exec.Cmd, want string, limit time.Duration) error {
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	found := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		ok := false
		for sc.Scan() {
			line := sc.Text()
			if !ok && strings.Contains(line, want) {
				ok = true
				found <- true
			}
			if strings.Contains(line, "encoding scene") || strings.Contains(line, `"error"`) {
				fmt.Fprintln(os.Stderr, "  sim:", line) // long work shows progress
			}
		}
		if !ok {
			found <- false
		}
	}()
	select {
	case ok := <-found:
		if !ok {
			return fmt.Errorf("exited before %s", want)
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("no %s after %s", want, limit)
	}
}

// awaitOnline polls the edge's camera state until n cameras are online.
func awaitOnline(addr string, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if k, err := online(addr); err == nil && k >= n {
			fmt.Printf("all %d cameras online\n", n)
			return nil
		}
		time.Sleep(500 * time.Millisecond) // polling an HTTP endpoint
	}
	k, err := online(addr)
	return fmt.Errorf("only %d of %d cameras online after %s (%v)", k, n, limit, err)
}

type cameras struct {
	Cameras []struct {
		State string
		Main  struct {
			FPS         float64 `json:"fps"`
			BitrateKbps float64 `json:"bitrate_kbps"`
		}
	}
}

func fetch(addr string) (cameras, error) {
	var c cameras
	resp, err := http.Get("http://" + addr + "/api/cameras")
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

// online counts the online cameras; an error means the edge is not up yet.
func online(addr string) (int, error) {
	c, err := fetch(addr)
	k := 0
	for _, c := range c.Cameras {
		if c.State == "online" {
			k++
		}
	}
	return k, err
}

func rates(addr string) (kbps, fps float64) {
	c, _ := fetch(addr)
	for _, c := range c.Cameras {
		kbps += c.Main.BitrateKbps
		fps += c.Main.FPS
	}
	return kbps, fps
}

// cpuTicks returns utime+stime of a process from /proc.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// rssKiB returns the resident set size of a process.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			k, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return k
		}
	}
	return 0
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
	}
}
