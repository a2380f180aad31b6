// Command record measures what recording costs a real edge: the edge
// process pulls N simulated 1080p cameras at 4 Mbps and 25 fps, and its
// CPU is read from /proc over alternating windows with the same cameras'
// recording off and continuous (a live config change: the pulls go on).
// The difference per camera is the recorder's cost on top of ingest. It
// also prints the disk write amplification: bytes the edge handed to
// write() (and the bytes the kernel counts for the storage layer) while
// recording, over the bytes it received from the cameras. It prints
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
	n := flag.Int("cameras", 40, "simulated cameras to pull")
	bin := flag.String("bin", "bin", "folder holding edge and argus-sim")
	window := flag.Duration("window", 20*time.Second, "each measuring window")
	rounds := flag.Int("rounds", 2, "off/on window pairs")
	mode := flag.String("mode", "continuous", "the recording mode measured against off: continuous or events (clips only: the pre-roll ring, no anomaly)")
	flag.Parse()
	if err := run(*n, *bin, *window, *rounds, *mode); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// sample is what one window measured.
type sample struct {
	core           float64 // edge CPU, in cores
	received       float64 // bytes the cameras sent
	wchar, storage float64 // bytes written: to write(), and for the storage layer
	secs           float64
}

func run(n int, bin string, window time.Duration, rounds int, mode string) error {
	dir, err := os.MkdirTemp("", "argus-bench-record-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	simAddr, httpAddr := "127.0.0.1:18564", "127.0.0.1:19110"
	bench.TokenEnv()

	fmt.Printf("record bench: %d cameras, scene bench (1920x1080 H.264 ~4 Mbps, 25 fps), recording off vs %s\n", n, mode)
	sim := exec.Command(filepath.Join(bin, "argus-sim"), "-listen", simAddr, "-udp", "", "-fleet", "", "-clone", strconv.Itoa(n),
		"-clone-scene", "bench", "-clone-fps", "25")
	if err := bench.StartAndAwait(sim, `"ready"`, 10*time.Minute); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	defer bench.Stop(sim)

	cfg := filepath.Join(dir, "edge.yaml")
	recDir := filepath.Join(dir, "recordings")
	write := func(mode string) error {
		return os.WriteFile(cfg, edgeConfig(n, simAddr, httpAddr, recDir, mode), 0o644)
	}
	if err := write("off"); err != nil {
		return err
	}
	edge := exec.Command(filepath.Join(bin, "edge"), "-config", cfg, "-log-format", "json", "-log-level", "warn")
	if err := edge.Start(); err != nil {
		return err
	}
	defer bench.Stop(edge)
	if err := bench.AwaitOnline(httpAddr, n, 3*time.Minute); err != nil {
		return err
	}
	pid := edge.Process.Pid
	measure := func(mode string) (sample, error) {
		if err := write(mode); err != nil {
			return sample{}, err
		}
		time.Sleep(5 * time.Second) // the reload applied and settled (a benchmark pause, not a synchronisation)
		c0, r0, w0, s0, t0 := bench.CPUTicks(pid), bench.Received(httpAddr), bench.IO(pid, "wchar"), bench.IO(pid, "write_bytes"), time.Now()
		time.Sleep(window)
		c1, r1, w1, s1, t1 := bench.CPUTicks(pid), bench.Received(httpAddr), bench.IO(pid, "wchar"), bench.IO(pid, "write_bytes"), time.Now()
		secs := t1.Sub(t0).Seconds()
		s := sample{core: float64(c1-c0) / 100 / secs, received: r1 - r0, wchar: float64(w1 - w0), storage: float64(s1 - s0), secs: secs}
		fmt.Printf("  %-10s edge %.2f%% of a core, %.3f%% per camera; received %.1f MB/s, write() %.2f MB/s, storage %.2f MB/s\n",
			mode, s.core*100, s.core*100/float64(n), s.received/secs/1e6, s.wchar/secs/1e6, s.storage/secs/1e6)
		return s, nil
	}
	var off, on []sample
	for range rounds {
		o, err := measure("off")
		if err != nil {
			return err
		}
		c, err := measure(mode)
		if err != nil {
			return err
		}
		off, on = append(off, o), append(on, c)
	}
	offCore, onCore := mean(off, func(s sample) float64 { return s.core }), mean(on, func(s sample) float64 { return s.core })
	var received, wchar, storage float64
	for _, s := range on {
		received, wchar, storage = received+s.received, wchar+s.wchar, storage+s.storage
	}
	fmt.Printf("recording cost: %.3f%% of a core per camera on top of ingest (off %.3f%%, %s %.3f%% per camera; target <= 0.05%%)\n",
		(onCore-offCore)*100/float64(n), offCore*100/float64(n), mode, onCore*100/float64(n))
	if received > 0 {
		fmt.Printf("write amplification: write() %.3f, storage layer %.3f (bytes written ÷ bytes received while recording)\n", wchar/received, storage/received)
	}
	return nil
}

func mean(s []sample, f func(sample) float64) float64 {
	t := 0.0
	for _, x := range s {
		t += f(x)
	}
	return t / float64(len(s))
}

func edgeConfig(n int, simAddr, httpAddr, recDir, mode string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: edge-bench, http: %q, http_token_env: "+bench.EdgeTokenEnv+"}\nrecord: {dir: %q}\nsites: [{id: bench}]\ncameras:\n", httpAddr, recDir)
	for i := range n {
		fmt.Fprintf(&b, "  - {id: bench-%d, site: bench, main: \"rtsp://%s/bench/%d\", record: {mode: %s}}\n", i, simAddr, i, mode)
	}
	return []byte(b.String())
}
