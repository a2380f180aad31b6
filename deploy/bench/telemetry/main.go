// Command telemetry measures how old a drone's telemetry is when it
// reaches the console: argus-sim flies N simulated drones (MAVLink over
// UDP on this machine), the edge holds their link and publishes their
// telemetry, the gateway (embedded NATS broker, patrol service) passes it
// on, and a logged-in pilot's event stream (/api/events, server-sent
// events, as the console reads it) receives each `drone` event. The age is
// the receive time minus the event's `time`: when the vehicle's latest
// message reached the edge (the UDP hop from the vehicle on loopback is
// not in it). The edge sends a period's sample with the first new
// position after its 2 Hz tick, so the age is the way through Argus, not
// the vehicle's 5 Hz stream period. The same age at an MQTT subscriber of
// the gateway's broker shows the gateway's share. Every drone flies north-slope (configs/sites/hillside.yaml)
// meanwhile. It prints p50, p99 and max, and asserts nothing. Run it
// through `make bench`.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/deploy/bench"
	"github.com/argus-edge/argus/drivers/bus"
)

func main() {
	n := flag.Int("drones", 10, "simulated drones")
	bin := flag.String("bin", "bin", "folder holding gateway, edge and argus-sim")
	window := flag.Duration("window", 60*time.Second, "how long to collect telemetry events")
	flag.Parse()
	if err := run(*n, *bin, *window); err != nil {
		fmt.Fprintln(os.Stderr, "telemetry bench:", err)
		os.Exit(1)
	}
}

// home is drone-hillside's demo home; the drones stand 3 m apart east of it.
const homeLat, homeLon, homeAlt = 22.5460, 114.0495, 30.0

func run(n int, bin string, window time.Duration) error {
	dir, err := os.MkdirTemp("", "argus-telemetry-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sites, err := filepath.Abs(filepath.Join("configs", "sites"))
	if err != nil {
		return err
	}
	mqttPort, httpPort, mavPort, edgeHTTP := bench.FreePort("tcp"), bench.FreePort("tcp"), bench.FreePort("udp"), bench.FreePort("tcp")
	gateway := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	const password = "bench pilot password"
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)

	gwCfg := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(gwCfg, []byte(fmt.Sprintf(`users:
  - {name: pilot, role: pilot, sites: ["*"], password_hash: %q}
store: {driver: sqlite, path: %q}
bus:
  users:
    - {name: edge-bench, role: edge, edge: edge-bench, sites: ["*"], drones: ["*"], password_env: BENCH_EDGE_BUS}
    - {name: watcher, role: gateway, password_env: BENCH_EDGE_BUS}
`, hash, filepath.Join(dir, "gateway.db"))), 0o600)
	// The MAVLink links are signed, as a deployment's must be.
	env := append(os.Environ(), "BENCH_EDGE_BUS=bench-edge-bus-password",
		"BENCH_MAVLINK_KEY=62656e63682d6d61766c696e6b2d6b65792d6e6f742d666f722d757365212121")
	gw := exec.Command(filepath.Join(bin, "gateway"), "-mqtt", fmt.Sprintf("127.0.0.1:%d", mqttPort), "-http", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"-webrtc-udp", "127.0.0.1:0", "-nats", "127.0.0.1:0", "-bus-store", filepath.Join(dir, "nats"), "-config", gwCfg,
		"-airspace", sites, "-log-format", "json")
	gw.Env = env
	if err := bench.StartAndAwait(gw, "gateway ready", time.Minute); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	defer bench.Stop(gw)

	var fleet, drones strings.Builder
	fleet.WriteString("drones:\n")
	for i := range n {
		lon := homeLon + float64(i)*0.00003
		fmt.Fprintf(&fleet, "  - {id: bench-%d, system_id: %d, link: \"udpc://127.0.0.1:%d\", home: {lat: %g, lon: %g, alt: %g}, speed: 8, signing_key_env: BENCH_MAVLINK_KEY}\n",
			i, i+1, mavPort, homeLat, lon, homeAlt)
		fmt.Fprintf(&drones, "  - {id: bench-%d, site: hillside, link: \"udps://127.0.0.1:%d\", system_id: %d, home: {lat: %g, lon: %g, alt: %g}, max_speed: 12, endurance: 25m}\n",
			i, mavPort, i+1, homeLat, lon, homeAlt)
	}
	fleetPath := filepath.Join(dir, "fleet.yaml")
	os.WriteFile(fleetPath, []byte(fleet.String()), 0o600)
	sim := exec.Command(filepath.Join(bin, "argus-sim"), "-listen", fmt.Sprintf("127.0.0.1:%d", bench.FreePort("tcp")), "-udp", "", "-fleet", fleetPath, "-log-format", "json")
	sim.Env = env
	if err := bench.StartAndAwait(sim, `"ready"`, 10*time.Minute); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	defer bench.Stop(sim)

	edgeCfg := filepath.Join(dir, "edge.yaml")
	os.WriteFile(edgeCfg, []byte(fmt.Sprintf(`edge: {id: edge-bench, http: "127.0.0.1:%d"}
sites: [{id: hillside}]
cameras: []
mqtt: {broker: "tcp://127.0.0.1:%d", username: edge-bench, password_env: BENCH_EDGE_BUS, queue_dir: %q}
airspace_dir: %q
mavlink: {signing_key_env: BENCH_MAVLINK_KEY}
drones:
%s`, edgeHTTP, mqttPort, filepath.Join(dir, "queue"), sites, drones.String())), 0o600)
	edge := exec.Command(filepath.Join(bin, "edge"), "-config", edgeCfg, "-log-format", "json", "-log-level", "warn")
	edge.Env = env
	if err := edge.Start(); err != nil {
		return err
	}
	defer bench.Stop(edge)

	token, err := login(gateway, password)
	if err != nil {
		return err
	}
	if err := awaitIdle(gateway, token, n, 2*time.Minute); err != nil {
		return err
	}
	for i := range n {
		// A drone whose link is up may not have its GPS fix yet (50 start
		// at once): its launch is refused with the reason; try it again.
		for deadline := time.Now().Add(time.Minute); ; {
			err := launch(gateway, token, fmt.Sprintf("bench-%d", i))
			if err == nil {
				break
			}
			if !strings.Contains(err.Error(), "GPS") || time.Now().After(deadline) {
				return err
			}
			time.Sleep(500 * time.Millisecond) // the fix comes with the vehicle's next GPS_RAW_INT
		}
	}
	onBus := &bench.Samples{} // the same age on the broker, before the gateway: its share apart
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(fmt.Sprintf("tcp://127.0.0.1:%d", mqttPort)).
		SetUsername("watcher").SetPassword("bench-edge-bus-password").SetClientID("argus-telemetry-bench"))
	if tok := sub.Connect(); tok.Wait() && tok.Error() != nil {
		return tok.Error()
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe(bus.AllDroneTelemetry, 0, func(_ mqtt.Client, m mqtt.Message) {
		now := time.Now()
		var t bus.DroneTelemetry
		if json.Unmarshal(m.Payload(), &t) == nil && !m.Retained() && !t.Time.IsZero() {
			onBus.Add(now.Sub(t.Time.Time))
		}
	}); tok.Wait() && tok.Error() != nil {
		return tok.Error()
	}
	g0, e0, t0 := bench.CPUTicks(gw.Process.Pid), bench.CPUTicks(edge.Process.Pid), time.Now()
	ages, err := collect(gateway, token, window)
	if err != nil {
		return err
	}
	g1, e1, t1 := bench.CPUTicks(gw.Process.Pid), bench.CPUTicks(edge.Process.Pid), time.Now()
	// Ticks are 1/100 s (CLK_TCK); a share of one core per drone, in percent.
	perDrone := func(ticks int64) float64 { return float64(ticks) / 100 / t1.Sub(t0).Seconds() * 100 / float64(n) }
	b50, b99, bmax, bcount := onBus.Percentiles()
	p50, p99, max, count := ages.Percentiles()
	fmt.Printf("telemetry bench: %d simulated drones flying north-slope, argus-sim -> MAVLink/UDP -> edge -> gateway (embedded NATS) -> /api/events (SSE, a pilot) on this machine\n", n)
	fmt.Printf("telemetry messages on the broker: %d, drone events at the console: %d, in %s\n", bcount, count, window)
	fmt.Printf("vehicle message at the edge -> telemetry at an MQTT subscriber of the gateway's broker: p50 %s, p99 %s, max %s\n", b50, b99, bmax)
	fmt.Printf("vehicle message at the edge -> drone event at the console: p50 %s, p99 %s, max %s (target p99 <= 250ms)\n", p50, p99, max)
	fmt.Printf("CPU per drone flying, over the window (/proc): edge %.3f%% of a core, gateway %.3f%% (the simulator not counted)\n",
		perDrone(e1-e0), perDrone(g1-g0))
	return nil
}

// login signs the pilot in and returns the session token.
func login(gateway, password string) (string, error) {
	b, _ := json.Marshal(map[string]string{"user": "pilot", "password": password})
	resp, err := http.Post(gateway+"/api/login", "application/json", strings.NewReader(string(b)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("login: %d %v", resp.StatusCode, err)
	}
	return out.Token, nil
}

// awaitIdle polls the API until n drones are idle with their link up.
func awaitIdle(gateway, token string, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequest("GET", gateway+"/api/drones", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		idle := 0
		if resp, err := http.DefaultClient.Do(req); err == nil {
			var list struct {
				Items []struct{ State, Link string }
			}
			json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
			for _, d := range list.Items {
				if d.State == "idle" && d.Link == "up" {
					idle++
				}
			}
		}
		if idle >= n {
			fmt.Printf("all %d drones idle, link up\n", n)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d drones idle after %s", idle, n, limit)
		}
		time.Sleep(500 * time.Millisecond) // polling an HTTP endpoint
	}
}

// launch sends drone on north-slope.
func launch(gateway, token, drone string) error {
	req, _ := http.NewRequest("POST", gateway+"/api/drones/"+drone+"/patrols", strings.NewReader(`{"route": "north-slope"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("launch %s: %d %s", drone, resp.StatusCode, e.Error)
	}
	return nil
}

// collect reads the pilot's event stream for window and returns the age
// of every drone event.
func collect(gateway, token string, window time.Duration) (*bench.Samples, error) {
	resp, err := bench.OpenEvents(context.Background(), gateway, token)
	if err != nil {
		return nil, err
	}
	time.AfterFunc(window, func() { resp.Body.Close() }) // the window ends the read
	s := &bench.Samples{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "drone":
			now := time.Now()
			var d struct{ Time time.Time }
			if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d) == nil && !d.Time.IsZero() {
				s.Add(now.Sub(d.Time))
			}
		}
	}
	return s, nil
}
