// Command latency measures the time from a frame's arrival to its anomaly
// reaching an MQTT subscriber: the simulator serves N fire cameras, the
// edge analyses them and publishes fire anomalies (an update a second per
// camera) through Debian's mosquitto, and a subscriber on this machine
// compares each event's frame_time (the camera's clock: the simulator's,
// from RTCP sender reports) with its own receive time. It prints p50, p99
// and max, and asserts nothing. Run it through `make bench`.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/deploy/bench"
	"github.com/argus-edge/argus/drivers/bus"
)

func main() {
	n := flag.Int("cameras", 8, "simulated fire cameras")
	bin := flag.String("bin", "bin", "folder holding edge and argus-sim")
	window := flag.Duration("window", 60*time.Second, "how long to collect anomalies")
	flag.Parse()
	if err := run(*n, *bin, *window); err != nil {
		fmt.Fprintln(os.Stderr, "latency bench:", err)
		os.Exit(1)
	}
}

const rules = `site: bench
version: 1
cameras:
  "*":
    detectors: {motion: {threshold: 20, min_area: 0.001}, fire: {}, health: {}}
    rules:
      - {name: fire, kind: fire, min_score: 0.5, min_duration: 1s, end_after: 5s, update_every: 1s, severity: critical}
`

func run(n int, bin string, window time.Duration) error {
	dir, err := os.MkdirTemp("", "argus-latency-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	broker, simAddr, httpAddr := "127.0.0.1:18883", "127.0.0.1:18555", "127.0.0.1:19101"
	bench.TokenEnv()

	conf := filepath.Join(dir, "mosquitto.conf")
	os.WriteFile(conf, []byte("listener 18883 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\nmax_inflight_messages 20\n"), 0o644)
	mosq := exec.Command("mosquitto", "-c", conf, "-v")
	if err := bench.StartAndAwait(mosq, "running", 30*time.Second); err != nil {
		return fmt.Errorf("mosquitto: %w", err)
	}
	defer bench.Stop(mosq)

	sim := exec.Command(filepath.Join(bin, "argus-sim"), "-listen", simAddr, "-udp", "", "-fleet", "", "-clone", strconv.Itoa(n), "-clone-scene", "fire")
	if err := bench.StartAndAwait(sim, `"ready"`, 10*time.Minute); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	defer bench.Stop(sim)

	os.MkdirAll(filepath.Join(dir, "rules"), 0o755)
	os.WriteFile(filepath.Join(dir, "rules", "bench.yaml"), []byte(rules), 0o644)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "edge: {id: edge-latency, http: %q, http_token_env: "+bench.EdgeTokenEnv+"}\nsites: [{id: bench}]\n", httpAddr)
	fmt.Fprintf(&cfg, "mqtt: {broker: \"tcp://%s\", queue_dir: %q}\n", broker, filepath.Join(dir, "queue"))
	fmt.Fprintf(&cfg, "detect: {rules_dir: %q}\ncameras:\n", filepath.Join(dir, "rules"))
	for i := range n {
		fmt.Fprintf(&cfg, "  - {id: fire-%d, site: bench, main: \"rtsp://%s/fire/%d\"}\n", i, simAddr, i)
	}
	cfgPath := filepath.Join(dir, "edge.yaml")
	os.WriteFile(cfgPath, []byte(cfg.String()), 0o644)

	lat := &bench.Samples{}
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + broker).SetClientID("argus-latency-bench"))
	if tok := sub.Connect(); tok.Wait() && tok.Error() != nil {
		return tok.Error()
	}
	defer sub.Disconnect(100)
	sub.Subscribe(bus.Root+"/anomalies/#", 1, func(_ mqtt.Client, m mqtt.Message) {
		now := time.Now()
		var a bus.Anomaly
		if json.Unmarshal(m.Payload(), &a) == nil && !a.FrameTime.IsZero() {
			lat.Add(now.Sub(a.FrameTime.Time))
		}
	}).Wait()

	edge := exec.Command(filepath.Join(bin, "edge"), "-config", cfgPath, "-log-format", "json", "-log-level", "warn")
	if err := edge.Start(); err != nil {
		return err
	}
	defer bench.Stop(edge)
	if err := bench.AwaitOnline(httpAddr, n, 2*time.Minute); err != nil {
		return err
	}
	c0 := bench.CPUTicks(edge.Process.Pid)
	t0 := time.Now()
	time.Sleep(window) // collecting for a fixed window: a benchmark, not a synchronisation
	cpu := float64(bench.CPUTicks(edge.Process.Pid)-c0) / 100 / time.Since(t0).Seconds()
	p50, p99, max, count := lat.Percentiles()
	fmt.Printf("latency bench: %d fire cameras (1280x720 H.264, 15 fps), edge -> mosquitto -> subscriber on this machine\n", n)
	fmt.Printf("anomaly events: %d in %s\n", count, window)
	fmt.Printf("frame arrival -> anomaly received: p50 %s, p99 %s, max %s (target p99 <= 150ms)\n", p50, p99, max)
	fmt.Printf("edge CPU: %.1f%% of one core for %d active cameras\n", cpu*100, n)
	return nil
}
