// Command viewers measures the gateway's WHEP fan-out with real processes:
// argus-sim serves 1080p 4 Mbps H.264 cameras, the edge pulls them and
// relays on demand over WHIP, and the gateway's SFU serves N viewers, each
// its own client process (deploy/bench/viewers/client, a pion WHEP viewer
// with pion's default interceptors). Every process's CPU is read from
// /proc over the window: the gateway's CPU per viewer, its RSS, the
// packets each viewer received and the clients' own CPU per stream. With
// -mediamtx it measures the same against mediamtx (RTSP source → WHEP)
// beside it. Then the wall: 16 WHEP requests at once for cameras not
// relayed yet, and the time from the requests to each viewer's first
// complete keyframe. It prints figures and asserts nothing. Run it through
// `make bench`.
package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

const (
	edgeToken   = "bench-edge-whip-token-0123456789"
	viewerToken = "bench-viewer-whep-token-012345678"
	busPassword = "bench-edge-bus-password"
)

func main() {
	bin := flag.String("bin", "bin", "folder holding gateway, edge and argus-sim")
	counts := flag.String("viewers", "10,30", "numbers of viewers of one camera, measured one after the other")
	window := flag.Duration("window", 30*time.Second, "measuring window for each number of viewers")
	wall := flag.Int("wall", 16, "tiles of the wall: WHEP requests at once for cameras not relayed yet (0: no wall)")
	mediamtx := flag.String("mediamtx", "", "a mediamtx binary to measure beside the gateway (empty: none)")
	flag.StringVar(&profileDir, "client-profiles", "", "folder for a CPU profile of the first client of each server (empty: none)")
	flag.StringVar(&perfDir, "server-perf", "", "folder for a perf profile of the server over each window (perf record -g; empty: none)")
	flag.StringVar(&gatewayLog, "gateway-log", "", "file for the gateway's log (empty: discarded)")
	flag.StringVar(&logFile, "edge-log", "", "file for the edge's log (empty: discarded)")
	flag.Parse()
	var ns []int
	for _, f := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "viewers bench: -viewers %q: want numbers of viewers, comma-separated\n", *counts)
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	if err := run(*bin, ns, *window, *wall, *mediamtx); err != nil {
		fmt.Fprintln(os.Stderr, "viewers bench:", err)
		os.Exit(1)
	}
}

// stack is the processes under test and where to reach them.
type stack struct {
	dir, client string
	simAddr     string
	gateway     string // base URL
	gw          *exec.Cmd
}

func run(bin string, ns []int, window time.Duration, wall int, mediamtx string) error {
	dir, err := os.MkdirTemp("", "argus-viewers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st := &stack{dir: dir, client: filepath.Join(dir, "client")}
	if out, err := exec.Command("go", "build", "-o", st.client, "./deploy/bench/viewers/client").CombinedOutput(); err != nil {
		return fmt.Errorf("building the client: %v\n%s", err, out)
	}
	cameras := 1 + wall // bench-0 for the viewers, the wall's after it
	st.simAddr = fmt.Sprintf("127.0.0.1:%d", bench.FreePort("tcp"))
	sim := exec.Command(filepath.Join(bin, "argus-sim"), "-listen", st.simAddr, "-udp", "", "-fleet", "", "-clone", strconv.Itoa(cameras), "-clone-scene", "bench")
	if err := bench.StartAndAwait(sim, `"ready"`, 10*time.Minute); err != nil {
		return fmt.Errorf("simulator: %w", err)
	}
	defer bench.Stop(sim)
	stop, err := st.startArgus(bin, cameras)
	defer stop()
	if err != nil {
		return err
	}
	fmt.Printf("viewers bench: argus-sim (1080p H.264 ~4 Mbps) -> edge (RTSP/TCP) -> WHIP -> gateway -> WHEP -> N client processes, on this machine (%d cores, load %s)\n", runtimeCores(), loadavg())
	fmt.Println("| server | viewers | server CPU (% of a core) | per viewer | server RSS MiB | packets per viewer in the window (min–max) | missing / late packets (all viewers) | clients' CPU per stream | UDP datagrams the kernel dropped (receive buffers full, whole machine, IPv4 and IPv6) |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	idle := idleCPU(st.gw.Process.Pid, 10*time.Second)
	fmt.Printf("argus: the gateway with no relay and no viewer (its broker, NATS node, store, the edge's status) uses %.2f%% of a core (10 s)\n", idle*100)
	var argus []result
	for _, n := range ns {
		r, err := st.measure("argus", st.gateway+"/whep/bench-0", viewerToken, st.gw.Process.Pid, n, window)
		if err != nil {
			return err
		}
		argus = append(argus, r)
	}
	marginal("argus", argus)
	if wall > 0 {
		if err := st.wall(wall); err != nil {
			return err
		}
	}
	if mediamtx != "" {
		mm, err := st.startMediaMTX(mediamtx)
		if err != nil {
			return err
		}
		defer bench.Stop(mm)
		var rs []result
		for _, n := range ns {
			r, err := st.measure("mediamtx", st.mediamtxURL(), "", mm.Process.Pid, n, window)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		marginal("mediamtx", rs)
	}
	return nil
}

// startArgus starts the gateway and the edge pulling cameras bench-0..n-1,
// and returns once the gateway knows every camera.
func (st *stack) startArgus(bin string, n int) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for _, f := range slices.Backward(stops) {
			f()
		}
	}
	mqttPort, httpPort, edgeHTTP := bench.FreePort("tcp"), bench.FreePort("tcp"), bench.FreePort("tcp")
	st.gateway = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	cfg := filepath.Join(st.dir, "gateway.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`tokens:
  - {name: edge-bench, role: edge, sites: ["*"], edge: edge-bench, token_env: BENCH_EDGE_TOKEN}
  - {name: wall, role: viewer, sites: ["*"], token_env: BENCH_VIEWER_TOKEN}
limits: {whep_per_user: 1000, whep_total: 1000}
store: {driver: sqlite, path: %q}
bus:
  users:
    - {name: edge-bench, role: edge, edge: edge-bench, sites: ["*"], password_env: BENCH_EDGE_BUS}
`, filepath.Join(st.dir, "gateway.db"))), 0o600)
	env := append(os.Environ(), "BENCH_EDGE_TOKEN="+edgeToken, "BENCH_VIEWER_TOKEN="+viewerToken, "BENCH_EDGE_BUS="+busPassword)
	gwArgs := []string{filepath.Join(bin, "gateway"), "-mqtt", fmt.Sprintf("127.0.0.1:%d", mqttPort), "-http", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"-webrtc-udp", "0.0.0.0:0", "-nats", "127.0.0.1:0", "-bus-store", filepath.Join(st.dir, "nats"), "-config", cfg,
		"-log-format", "json"} // info: "gateway ready" is awaited
	st.gw = exec.Command(gwArgs[0], gwArgs[1:]...)
	if gatewayLog != "" {
		// bash execs the gateway (same pid, measured from /proc) with its
		// log copied to the file and still to the pipe awaited below.
		st.gw = exec.Command("bash", append([]string{"-c", `f=$1; shift; exec "$@" 2> >(tee "$f" >&2)`, "_", gatewayLog}, gwArgs...)...)
	}
	st.gw.Env = env
	if err := bench.StartAndAwait(st.gw, "gateway ready", time.Minute); err != nil {
		return stop, fmt.Errorf("gateway: %w", err)
	}
	stops = append(stops, func() { bench.Stop(st.gw) })

	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: edge-bench, http: \"127.0.0.1:%d\", http_token_env: %s}\nsites: [{id: bench}]\ncameras:\n", edgeHTTP, bench.EdgeTokenEnv)
	for i := range n {
		fmt.Fprintf(&b, "  - {id: bench-%d, site: bench, main: \"rtsp://%s/bench/%d\"}\n", i, st.simAddr, i)
	}
	fmt.Fprintf(&b, "mqtt: {broker: \"tcp://127.0.0.1:%d\", username: edge-bench, password_env: BENCH_EDGE_BUS, queue_dir: %q}\n", mqttPort, filepath.Join(st.dir, "queue"))
	fmt.Fprintf(&b, "relay: {gateway: %q, token_env: BENCH_EDGE_TOKEN, idle_timeout: 10s}\n", st.gateway)
	edgeCfg := filepath.Join(st.dir, "edge.yaml")
	os.WriteFile(edgeCfg, []byte(b.String()), 0o600)
	bench.TokenEnv()
	edge := exec.Command(filepath.Join(bin, "edge"), "-config", edgeCfg, "-log-format", "json")
	edge.Env = append(env, bench.EdgeTokenEnv+"="+bench.EdgeToken)
	if logFile != "" {
		f, err := os.Create(logFile)
		if err != nil {
			return stop, err
		}
		defer f.Close() // the child holds its own descriptor
		edge.Stdout, edge.Stderr = f, f
	}
	if err := edge.Start(); err != nil {
		return stop, err
	}
	stops = append(stops, func() { bench.Stop(edge) })
	if err := bench.AwaitOnline(fmt.Sprintf("127.0.0.1:%d", edgeHTTP), n, 2*time.Minute); err != nil {
		return stop, err
	}
	for i := range n {
		if err := st.awaitKnown(fmt.Sprintf("bench-%d", i), time.Minute); err != nil {
			return stop, err
		}
	}
	return stop, nil
}

// awaitKnown polls until the gateway knows camera from its retained status:
// a WHEP of the wrong Content-Type is 404 before, 415 after, and starts nothing.
func (st *stack) awaitKnown(camera string, limit time.Duration) error {
	for deadline := time.Now().Add(limit); ; {
		req, _ := http.NewRequest(http.MethodPost, st.gateway+"/whep/"+camera, strings.NewReader("x"))
		req.Header.Set("Authorization", "Bearer "+viewerToken)
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the gateway does not know camera %s after %s", camera, limit)
		}
		time.Sleep(200 * time.Millisecond) // polling an HTTP endpoint
	}
}

// perfDir receives a perf profile of the server over each window (-server-perf).
var perfDir string

// profileServer starts perf recording pid over window into perfDir, when
// set; wait waits for perf to finish writing.
func profileServer(server string, pid, n int, window time.Duration) (wait func()) {
	if perfDir == "" {
		return func() {}
	}
	out := filepath.Join(perfDir, fmt.Sprintf("%s-%d.perf", server, n))
	cmd := exec.Command("perf", "record", "-F", "499", "-g", "-p", strconv.Itoa(pid), "-o", out, "--", "sleep", strconv.Itoa(int(window.Seconds())))
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "viewers bench: perf:", err)
		return func() {}
	}
	return func() { cmd.Wait() }
}

// gatewayLog receives the gateway's log (-gateway-log).
var gatewayLog string

// logFile receives the edge's log (-edge-log).
var logFile string

// profileDir receives a CPU profile of one client per server (-client-profiles).
var profileDir, lastProfiled string

func (st *stack) mediamtxURL() string { return fmt.Sprintf("http://127.0.0.1:%d/bench/whep", mmHTTP) }

// result is one measured window.
type result struct {
	viewers int
	core    float64 // server CPU over the window, in cores
}

// measure runs n viewers of url against the server process pid.
func (st *stack) measure(server, url, token string, pid, n int, window time.Duration) (result, error) {
	var cs []*client
	defer func() {
		for _, c := range cs {
			c.close()
		}
	}()
	for range n {
		c, err := st.startClient(url, token)
		if err != nil {
			return result{}, err
		}
		cs = append(cs, c)
	}
	for _, c := range cs {
		c.send("go")
	}
	for _, c := range cs {
		if _, err := c.await("first", 30*time.Second); err != nil {
			return result{}, fmt.Errorf("%s, %d viewers: %w", server, n, err)
		}
	}
	time.Sleep(5 * time.Second) // every viewer settled into the live flow (a benchmark pause)
	before, err := mark(cs)
	if err != nil {
		return result{}, err
	}
	s0, t0, drops0 := bench.CPUTicks(pid), time.Now(), udpDrops()
	perfDone := profileServer(server, pid, n, window)
	time.Sleep(window)
	defer perfDone()
	after, err := mark(cs)
	if err != nil {
		return result{}, err
	}
	s1, t1, drops := bench.CPUTicks(pid), time.Now(), udpDrops()-drops0
	secs := t1.Sub(t0).Seconds()
	core := float64(s1-s0) / 100 / secs
	var pkts []int64
	var gaps, late, clientTicks int64
	for i := range cs {
		pkts = append(pkts, after[i].Packets-before[i].Packets)
		gaps += after[i].Gaps - before[i].Gaps
		late += after[i].Late - before[i].Late
		clientTicks += after[i].CPUTicks - before[i].CPUTicks
	}
	slices.Sort(pkts)
	clientPer := float64(clientTicks) / 100 / secs / float64(n)
	fmt.Printf("| %s | %d | %.1f | **%.2f%%** | %.1f | %d–%d | %d / %d | %.2f%% | %d |\n", server, n, core*100, core*100/float64(n),
		float64(bench.RSSKiB(pid))/1024, pkts[0], pkts[len(pkts)-1], gaps, late, clientPer*100, drops)
	return result{viewers: n, core: core}, nil
}

// idleCPU is the share of a core process pid uses over window.
func idleCPU(pid int, window time.Duration) float64 {
	s0, t0 := bench.CPUTicks(pid), time.Now()
	time.Sleep(window) // a measuring window
	return float64(bench.CPUTicks(pid)-s0) / 100 / time.Since(t0).Seconds()
}

// mark asks every client for its counts.
func mark(cs []*client) ([]event, error) {
	for _, c := range cs {
		c.send("count")
	}
	out := make([]event, len(cs))
	for i, c := range cs {
		e, err := c.await("count", 10*time.Second)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// marginal prints the CPU each viewer added between the first and last count.
func marginal(server string, rs []result) {
	if len(rs) < 2 {
		return
	}
	a, b := rs[0], rs[len(rs)-1]
	if b.viewers == a.viewers {
		return
	}
	fmt.Printf("%s: each viewer beyond %d added %.2f%% of a core ((CPU at %d − CPU at %d) / %d)\n", server, a.viewers,
		(b.core-a.core)*100/float64(b.viewers-a.viewers), b.viewers, a.viewers, b.viewers-a.viewers)
}

// wall opens tiles cameras not relayed yet at once and prints the time from
// the requests to each viewer's first complete keyframe.
func (st *stack) wall(tiles int) error {
	var cs []*client
	defer func() {
		for _, c := range cs {
			c.close()
		}
	}()
	for i := range tiles {
		c, err := st.startClient(fmt.Sprintf("%s/whep/bench-%d", st.gateway, i+1), viewerToken)
		if err != nil {
			return err
		}
		cs = append(cs, c)
	}
	time.Sleep(time.Second) // the clients gather their candidates before the go (a benchmark pause)
	drops0, gwDrops0 := udpDrops(), socketDrops(st.gw.Process.Pid)
	for _, c := range cs {
		c.send("go")
	}
	var ms []float64
	for _, c := range cs {
		e, err := c.await("first", 60*time.Second)
		if err != nil {
			return fmt.Errorf("wall: %w", err)
		}
		ms = append(ms, e.MS)
	}
	drops, gwDrops := udpDrops()-drops0, socketDrops(st.gw.Process.Pid)-gwDrops0
	slices.Sort(ms)
	fmt.Printf("wall: %d WHEP requests at once for cameras not relayed yet (GOP 2 s) -> first complete keyframe at each viewer: p50 %.0f ms, max **%.0f ms** (target max <= 2 s); all: %v; UDP datagrams the kernel dropped meanwhile: %d on the whole machine, %d of them at the gateway's sockets\n",
		tiles, ms[len(ms)/2], ms[len(ms)-1], roundAll(ms), drops, gwDrops)
	return nil
}

func roundAll(ms []float64) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = int(m + 0.5)
	}
	return out
}

// udpDrops is the machine's count of UDP datagrams dropped for a full
// receive buffer, IPv4 and IPv6 (RcvbufErrors in /proc/net/snmp,
// Udp6RcvbufErrors in /proc/net/snmp6: clients whose ICE pair is on ::1
// lose there).
func udpDrops() int64 {
	b, _ := os.ReadFile("/proc/net/snmp")
	var names []string
	var n int64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		if i := slices.Index(names, "RcvbufErrors"); i > 0 && i < len(f) {
			n, _ = strconv.ParseInt(f[i], 10, 64)
		}
		break
	}
	b, _ = os.ReadFile("/proc/net/snmp6")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "Udp6RcvbufErrors" {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			n += v
		}
	}
	return n
}

// socketDrops sums the datagrams dropped at the UDP sockets of process
// pid (the drops column of /proc/net/udp and udp6, matched by inode).
func socketDrops(pid int) int64 {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	inodes := map[string]bool{}
	for _, fd := range fds {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var n int64
	for _, table := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, _ := os.ReadFile(table)
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) >= 13 && inodes[f[9]] {
				d, _ := strconv.ParseInt(f[12], 10, 64)
				n += d
			}
		}
	}
	return n
}

func runtimeCores() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return cmp.Or(strings.Count(string(b), "processor\t:"), 1)
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
