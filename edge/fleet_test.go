package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/fleet"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// The config's fleet timing is drivers/fleet's, which configs may not
// import.
func TestFleetTimingMatchesConfigs(t *testing.T) {
	if configs.DefaultFleetFence.D() != fleet.FenceAfter || configs.FleetHeartbeatEvery.D() != fleet.HeartbeatEvery ||
		configs.FleetHeartbeatTTL.D() != fleet.HeartbeatTTL {
		t.Fatalf("configs fence %s, beat %s, TTL %s; fleet %s, %s, %s", configs.DefaultFleetFence, configs.FleetHeartbeatEvery,
			configs.FleetHeartbeatTTL, fleet.FenceAfter, fleet.HeartbeatEvery, fleet.HeartbeatTTL)
	}
}

// A config with both fleet and cameras is refused at start, naming the
// file, the line and why.
func TestFleetConfigWithCamerasRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "edge.yaml")
	os.WriteFile(cfg, []byte(`edge: {id: edge-a}
mqtt: {broker: "tcp://127.0.0.1:1", username: edge-a, password_env: ARGUS_TEST_BUS_PASSWORD}
fleet: {nats: ["nats://127.0.0.1:1"], capacity: 10}
sites: [{id: s1}]
cameras:
  - {id: c1, site: s1, main: "rtsp://127.0.0.1:1/c1"}
`), 0o644)
	out, err := exec.Command(edgeBin, "-config", cfg).CombinedOutput()
	if err == nil {
		t.Fatalf("the edge started with fleet and cameras:\n%s", out)
	}
	want := cfg + ":5: cameras: must be empty with fleet"
	if !strings.Contains(string(out), want) {
		t.Fatalf("output lacks %q:\n%s", want, out)
	}
}

// An -id that is not an edge id is refused before anything starts.
func TestBadIDFlagRefused(t *testing.T) {
	out, err := exec.Command(edgeBin, "-id", "Edge 1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `-id: "Edge 1" is not a valid id`) {
		t.Fatalf("edge -id 'Edge 1': %v\n%s", err, out)
	}
}

// TestFleetEdges runs the real edge binary twice in fleet mode against a
// real 3-node nats-server cluster (peers.NATSCluster), a real mosquitto
// for MQTT (the cluster here has no MQTT listener) and simulated RTSP
// cameras (peers.Sim). The assigner runs in the test process: it is the
// gateway's part (fleet.Assigner), and the test writes the inventory into
// argus-cameras as the gateway would. Each camera sits behind a relay of
// the test's that records every RTSP session (TCP connection) with its
// start and end: two sessions of one camera that overlap are two edges
// pulling it. Edge a reaches the cluster only through links the test cuts
// (peers.TCPLink).
//
// Shown: the cameras are spread over both edges and pulled (online
// statuses in argus-status and on MQTT carrying the edge and an epoch the
// gateway's filter accepts; heartbeats with capacity, epoch and CPU load);
// a live change of a fleet edge's file restarts none of its cameras; a cut-off edge
// fences (its log says so, its /healthz says 503 with the reason, its
// pulls end) and its cameras are pulled by the other, never by both at
// once; back, it takes a share again; kill -9 of the other edge: its
// cameras are pulled by the survivor within 10 s, and none of the
// survivor's cameras is restarted.
func TestFleetEdges(t *testing.T) {
	const n = 6
	cluster := peers.NATSCluster(t, 3)
	broker := peers.Mosquitto(t)
	var simCams []sim.Camera
	for i := range n {
		simCams = append(simCams, sim.Camera{Path: fmt.Sprintf("cam-%d", i), Scene: peers.TinyScene(sim.Empty, sim.H264)})
	}
	s := peers.Sim(t, simCams...)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	nc, err := nats.Connect(cluster.URLs())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := fleet.Buckets(ctx, js, 3); err != nil {
		t.Fatal(err)
	}
	cameras, _ := js.KeyValue(ctx, fleet.BucketCameras)
	statusKV, _ := js.KeyValue(ctx, fleet.BucketStatus)
	relays := map[string]*sessionRelay{}
	var ids []string
	for i := range n {
		id := fmt.Sprintf("cam-%d", i)
		ids = append(ids, id)
		relays[id] = newSessionRelay(t, s.Addr())
		spec := fleet.SpecOf(configs.Camera{ID: id, Site: "s1", Main: "rtsp://" + relays[id].addr + "/" + id}, "", 1)
		b, _ := json.Marshal(spec)
		if _, err := cameras.Put(ctx, id, b); err != nil {
			t.Fatal(err)
		}
	}
	// The gateway's filter: a status it would drop is not from the
	// camera's current owner under a current epoch.
	filter := fleet.NewFilter()
	go filter.Run(ctx, js)
	as := fleet.NewAssigner(js, fleet.AssignerConfig{Holder: "gw-test", Log: peers.TestLog(t)})
	assignerDone := make(chan struct{})
	go func() { defer close(assignerDone); as.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-assignerDone })

	// Edge a reaches each node through a link the test can cut.
	var links []*peers.Link
	var viaLinks []string
	for i := range 3 {
		l := peers.TCPLink(t, strings.TrimPrefix(cluster.URL(i), "nats://"))
		links = append(links, l)
		viaLinks = append(viaLinks, "nats://"+l.Addr())
	}
	a := startFleetEdge(t, "edge-a", broker.URL(), viaLinks)
	b := startFleetEdge(t, "edge-b", broker.URL(), strings.Split(cluster.URLs(), ","))

	// 1. Spread and pulled.
	owners := waitStatuses(t, statusKV, ids, 60*time.Second, "every camera online from edge-a or edge-b", func(st map[string]bus.CameraStatus) bool {
		seen := map[string]bool{}
		for id, c := range st {
			if c.State != bus.Online || c.Epoch == 0 || (c.Edge == "edge-a") == (c.Edge == "edge-b") || !filter.Accept(id, c.Edge, c.Owner) {
				return false
			}
			seen[c.Edge] = true
		}
		return len(seen) == 2
	})
	for id, c := range owners {
		inc := a.incarnation(t)
		if c.Edge == "edge-b" {
			inc = b.incarnation(t)
		}
		if c.Incarnation != inc {
			t.Errorf("%s: status incarnation %q, want %s's %q", id, c.Incarnation, c.Edge, inc)
		}
	}
	t.Logf("spread: %v", edgesOf(owners))
	// On MQTT: each edge's online status carries its incarnation, each
	// camera's retained status its owner's edge and epoch.
	waitRetained(t, broker.URL(), 20*time.Second, "online edge statuses with incarnations, camera statuses with epochs", func(m map[string][]byte) bool {
		for _, e := range []*fleetEdgeProc{a, b} {
			var es bus.EdgeStatus
			if json.Unmarshal(m[bus.EdgeStatusTopic(e.id)], &es) != nil || es.State != bus.Online || es.Incarnation != e.incarnation(t) {
				return false
			}
		}
		for id, c := range owners {
			var cs bus.CameraStatus
			if json.Unmarshal(m[bus.CameraStatusTopic("s1", id)], &cs) != nil || cs.Edge != c.Edge || cs.Epoch == 0 || !filter.Accept(id, cs.Edge, cs.Owner) {
				return false
			}
		}
		return true
	})
	a.wantHealth(t, http.StatusOK, "ok")
	b.wantHealth(t, http.StatusOK, "ok")
	noDoublePulls(t, relays)
	if m := a.get(t, "/metrics"); !strings.Contains(m, "argus_fleet_status_writes_total") || !strings.Contains(m, "argus_fleet_agent_epoch") {
		t.Error("edge-a's /metrics lacks the fleet's metrics")
	}
	// Heartbeats carry the capacity, the epoch applied and the CPU load.
	edgesKV, _ := js.KeyValue(ctx, fleet.BucketEdges)
	peers.Await(t, 20*time.Second, "edge-a's heartbeat with capacity, epoch and load", func() bool {
		e, err := edgesKV.Get(ctx, "edge-a")
		var hb fleet.Heartbeat
		return err == nil && json.Unmarshal(e.Value(), &hb) == nil && hb.Capacity == 3 && hb.Epoch > 0 && hb.Load > 0 &&
			hb.Incarnation == a.incarnation(t)
	})
	// A live change of the file keeps the assigned cameras: the file has
	// none, and they are not its to remove.
	bNow := sessionsOf(relays, owners, "edge-b")
	writeAtomic(t, b.cfg, strings.Replace(b.doc, "read_timeout: 3s", "read_timeout: 4s", 1))
	changed := b.logs.await(t, "cameras applied", 10*time.Second) // the first: at start, nothing
	for changed["ingest_changed"] != true {
		changed = b.logs.awaitAfter(t, changed, "cameras applied", 10*time.Second)
	}
	if fmt.Sprint(changed["removed"], changed["restarted"]) != "[] []" || changed["unchanged"] != float64(len(bNow)) {
		t.Fatalf("a config change on a fleet edge: %v", changed)
	}
	wantNoRestart(t, relays, bNow, "edge-b's cameras after its file changed")

	// 2. Edge a cut off the backbone: it fences, b pulls its cameras.
	cutAt := time.Now()
	for _, l := range links {
		l.Cut()
	}
	a.logs.await(t, "backbone unreachable: fenced, every pull stopped", 15*time.Second)
	fencedAfter := time.Since(cutAt)
	a.wantHealth(t, http.StatusServiceUnavailable, "not ready: fleet: fenced since")
	if st := a.fleetState(t); st.State != "fenced" || st.Cameras != 0 {
		t.Errorf("edge-a's /api/cameras while cut off: fleet %+v", st)
	}
	if st := b.fleetState(t); st.State != "serving" || st.Epoch == 0 {
		t.Errorf("edge-b's /api/cameras: fleet %+v", st)
	}
	bBefore := sessionsOf(relays, owners, "edge-b")
	waitStatuses(t, statusKV, ids, 30*time.Second, "every camera online from edge-b", func(st map[string]bus.CameraStatus) bool {
		for _, c := range st {
			if c.State != bus.Online || c.Edge != "edge-b" {
				return false
			}
		}
		return true
	})
	t.Logf("cut at %s: fenced after %s, all on edge-b after %s", cutAt.Format("15:04:05.000"),
		fencedAfter.Round(time.Millisecond), time.Since(cutAt).Round(time.Millisecond))
	for id, c := range owners {
		if c.Edge == "edge-a" && relays[id].open() > 1 {
			t.Errorf("%s: %d open sessions", id, relays[id].open())
		}
	}
	noDoublePulls(t, relays)
	wantNoRestart(t, relays, bBefore, "edge-b's cameras when edge-a was cut off")

	// 3. Back: edge a rejoins and takes a share by break-before-make moves.
	for _, l := range links {
		l.Restore()
	}
	owners = waitStatuses(t, statusKV, ids, 60*time.Second, "edge-a pulling again", func(st map[string]bus.CameraStatus) bool {
		onA := 0
		for _, c := range st {
			if c.State != bus.Online {
				return false
			}
			if c.Edge == "edge-a" {
				onA++
			}
		}
		return onA > 0
	})
	a.wantHealth(t, http.StatusOK, "ok")
	noDoublePulls(t, relays)
	t.Logf("rejoined: %v", edgesOf(owners))

	// 4. kill -9 edge b: edge a pulls its cameras within 10 s, and none
	// of edge a's own is restarted.
	aBefore := sessionsOf(relays, owners, "edge-a")
	var orphans []string
	for id, c := range owners {
		if c.Edge == "edge-b" {
			orphans = append(orphans, id)
		}
	}
	if len(orphans) == 0 {
		t.Fatal("edge-b holds nothing: the kill shows nothing")
	}
	bInc := b.incarnation(t)
	killedAt := time.Now()
	b.cmd.Process.Signal(syscall.SIGKILL)
	b.cmd.Wait()
	// Its will says offline, under the incarnation that died.
	waitRetained(t, broker.URL(), 20*time.Second, "edge-b's will with its incarnation", func(m map[string][]byte) bool {
		var es bus.EdgeStatus
		return json.Unmarshal(m[bus.EdgeStatusTopic("edge-b")], &es) == nil && es.State == bus.Offline && es.Incarnation == bInc
	})
	for _, id := range orphans {
		started := relays[id].startedAfter(killedAt, 10*time.Second)
		if started.IsZero() {
			t.Fatalf("%s (edge-b's) not pulled again within 10 s of the kill", id)
		}
		t.Logf("%s pulled again %s after the kill", id, started.Sub(killedAt).Round(time.Millisecond))
	}
	waitStatuses(t, statusKV, ids, 30*time.Second, "every camera online from edge-a", func(st map[string]bus.CameraStatus) bool {
		for id, c := range st {
			if c.State != bus.Online || c.Edge != "edge-a" || !filter.Accept(id, c.Edge, c.Owner) {
				return false
			}
		}
		return true
	})
	wantNoRestart(t, relays, aBefore, "edge-a's cameras when edge-b was killed")
	noDoublePulls(t, relays)

	// 5. SIGTERM: edge a stops its pulls, then withdraws its heartbeat,
	// so edge c has them at once, not a heartbeat TTL later, and never
	// while a still pulls.
	startFleetEdge(t, "edge-c", broker.URL(), strings.Split(cluster.URLs(), ","))
	waitStatuses(t, statusKV, ids, 60*time.Second, "edge-c pulling", func(st map[string]bus.CameraStatus) bool {
		for _, s := range st {
			if s.Edge == "edge-c" && s.State == bus.Online {
				return true
			}
		}
		return false
	})
	stopAt := time.Now()
	a.cmd.Process.Signal(syscall.SIGTERM)
	waitStatuses(t, statusKV, ids, 30*time.Second, "every camera online from edge-c", func(st map[string]bus.CameraStatus) bool {
		for id, s := range st {
			if s.State != bus.Online || s.Edge != "edge-c" || !filter.Accept(id, s.Edge, s.Owner) {
				return false
			}
		}
		return true
	})
	t.Logf("edge-a stopped: all on edge-c %s after SIGTERM", time.Since(stopAt).Round(time.Millisecond))
	a.logs.await(t, "edge stopped", 10*time.Second)
	if err := a.cmd.Wait(); err != nil {
		t.Errorf("edge-a after SIGTERM: %v", err)
	}
	noDoublePulls(t, relays)
}

// waitRetained subscribes to every status on the broker and waits until
// cond holds for the latest payload per topic.
func waitRetained(t *testing.T, url string, within time.Duration, what string, cond func(map[string][]byte) bool) {
	t.Helper()
	var mu sync.Mutex
	got := map[string][]byte{}
	c := peers.MQTTClient(t, url, fmt.Sprintf("fleet-test-watcher-%d", time.Now().UnixNano()))
	tok := c.Subscribe(bus.Root+"/status/#", 1, func(_ paho.Client, m paho.Message) {
		mu.Lock()
		got[m.Topic()] = m.Payload()
		mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	if !peers.Eventually(within, func() bool { mu.Lock(); defer mu.Unlock(); return cond(got) }) {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("after %s: %s not seen on MQTT; %d topics", within, what, len(got))
	}
}

// fleetEdgeProc is an edge binary the test runs in fleet mode.
type fleetEdgeProc struct {
	id, addr string
	cfg, doc string // the config file and what it holds
	cmd      *exec.Cmd
	logs     *eventLog
}

// startFleetEdge runs the edge binary with a fleet config whose edge.id
// is another: the id comes from -id, as in a StatefulSet. Its working
// directory is a temp dir, where its default queue dir, var/<id>/queue,
// is made.
func startFleetEdge(t *testing.T, id, mqttURL string, natsURLs []string) *fleetEdgeProc {
	t.Helper()
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	cfg := filepath.Join(dir, "edge.yaml")
	doc := fmt.Sprintf(`edge: {id: from-the-file, http: %q, http_token_env: ARGUS_EDGE_TEST_HTTP_TOKEN}
ingest: {read_timeout: 3s, reconnect: {min: 200ms, max: 1s}}
mqtt: {broker: %q, username: %s, password_env: ARGUS_TEST_BUS_PASSWORD}
fleet:
  nats: [%s]
  capacity: 3
`, addr, mqttURL, id, strings.Join(natsURLs, ", "))
	os.WriteFile(cfg, []byte(doc), 0o644)
	cmd := exec.Command(edgeBin, "-config", cfg, "-id", id, "-log-format", "json")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ARGUS_TEST_BUS_PASSWORD=not-checked-by-this-cluster")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	e := &fleetEdgeProc{id: id, addr: addr, cfg: cfg, doc: doc, cmd: cmd, logs: followEvents(t, stderr)}
	e.logs.await(t, "edge started", 30*time.Second)
	if _, err := os.Stat(filepath.Join(dir, "var", id, "queue")); err != nil {
		t.Errorf("%s: the default queue dir does not follow -id: %v", id, err)
	}
	return e
}

// incarnation is the one the edge logged at start.
func (e *fleetEdgeProc) incarnation(t *testing.T) string {
	t.Helper()
	ev := e.logs.await(t, "edge started", time.Second)
	inc, _ := ev["incarnation"].(string)
	if inc == "" || ev["edge"] != e.id {
		t.Fatalf("%s started as %v, incarnation %q", e.id, ev["edge"], inc)
	}
	return inc
}

// wantHealth polls /healthz until it answers code with body containing
// want, failing after 10 s.
func (e *fleetEdgeProc) wantHealth(t *testing.T, code int, want string) {
	t.Helper()
	var last string
	if !peers.Eventually(10*time.Second, func() bool {
		resp, err := http.Get("http://" + e.addr + "/healthz")
		if err != nil {
			last = err.Error()
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		return resp.StatusCode == code && strings.Contains(string(body), want)
	}) {
		t.Fatalf("%s /healthz: %s, want %d %q", e.id, last, code, want)
	}
}

// get returns the body of a GET of path on the edge's HTTP port.
func (e *fleetEdgeProc) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := statusGet("http://" + e.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// fleetState is the fleet part of the edge's /api/cameras.
func (e *fleetEdgeProc) fleetState(t *testing.T) fleetState {
	t.Helper()
	resp, err := statusGet("http://" + e.addr + "/api/cameras")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Fleet fleetState }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("%s /api/cameras: %v", e.id, err)
	}
	return v.Fleet
}

// waitStatuses polls argus-status until every camera of ids has a status
// and cond holds for them, failing after within.
func waitStatuses(t *testing.T, kv jetstream.KeyValue, ids []string, within time.Duration, what string, cond func(map[string]bus.CameraStatus) bool) map[string]bus.CameraStatus {
	t.Helper()
	var st map[string]bus.CameraStatus
	if !peers.Eventually(within, func() bool {
		st = map[string]bus.CameraStatus{}
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			e, err := kv.Get(ctx, id)
			cancel()
			var c bus.CameraStatus
			if err == nil && json.Unmarshal(e.Value(), &c) == nil {
				st[id] = c
			}
		}
		return len(st) == len(ids) && cond(st)
	}) {
		t.Fatalf("after %s: %s not seen; statuses %v", within, what, summary(st))
	}
	return st
}

func summary(st map[string]bus.CameraStatus) map[string]string {
	out := map[string]string{}
	for id, c := range st {
		out[id] = fmt.Sprintf("%s/%s/epoch %d", c.Edge, c.State, c.Epoch)
	}
	return out
}

func edgesOf(st map[string]bus.CameraStatus) map[string][]string {
	out := map[string][]string{}
	for id, c := range st {
		out[c.Edge] = append(out[c.Edge], id)
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

// sessionsOf counts the sessions so far of the cameras edge owns.
func sessionsOf(relays map[string]*sessionRelay, owners map[string]bus.CameraStatus, edge string) map[string]int {
	out := map[string]int{}
	for id, c := range owners {
		if c.Edge == edge {
			out[id] = relays[id].count()
		}
	}
	return out
}

// wantNoRestart fails if any camera of before has had another session
// since, or has none open: it was pulled on without a break.
func wantNoRestart(t *testing.T, relays map[string]*sessionRelay, before map[string]int, what string) {
	t.Helper()
	for id, n := range before {
		if got := relays[id].count(); got != n || relays[id].open() != 1 {
			t.Errorf("%s: %s restarted: %d sessions then, %d now, %d open", what, id, n, got, relays[id].open())
		}
	}
}

// noDoublePulls fails if two sessions of one camera overlapped.
func noDoublePulls(t *testing.T, relays map[string]*sessionRelay) {
	t.Helper()
	for id, r := range relays {
		if o := r.overlap(); o != "" {
			t.Errorf("%s pulled twice at once: %s", id, o)
		}
	}
}

// sessionRelay is a TCP relay in front of one simulated camera that
// records every connection through it, start and end: one RTSP session
// each (the edges pull over TCP, one connection per session).
type sessionRelay struct {
	addr, to string
	mu       sync.Mutex
	sessions []*relaySession
	changed  chan struct{}
}

type relaySession struct{ start, end time.Time }

func newSessionRelay(t *testing.T, to string) *sessionRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &sessionRelay{addr: ln.Addr().String(), to: to, changed: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); r.relay(c, ln) }()
		}
	}()
	return r
}

// relay forwards one connection until either side ends it, which ends
// the session; the listener's close ends it too.
func (r *sessionRelay) relay(c net.Conn, ln net.Listener) {
	s := &relaySession{start: time.Now()}
	r.mu.Lock()
	r.sessions = append(r.sessions, s)
	r.mu.Unlock()
	r.poke()
	defer c.Close()
	d, err := net.Dial("tcp", r.to)
	if err == nil {
		done := make(chan struct{}, 2)
		go func() { io.Copy(d, c); done <- struct{}{} }()
		go func() { io.Copy(c, d); done <- struct{}{} }()
		<-done
		r.mu.Lock()
		s.end = time.Now()
		r.mu.Unlock()
		c.Close()
		d.Close()
		<-done
	} else {
		r.mu.Lock()
		s.end = time.Now()
		r.mu.Unlock()
	}
	r.poke()
}

func (r *sessionRelay) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *sessionRelay) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.sessions) }

func (r *sessionRelay) open() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.sessions {
		if s.end.IsZero() {
			n++
		}
	}
	return n
}

// startedAfter waits up to within after t0 for a session started after
// t0 and returns its start (zero if none came).
func (r *sessionRelay) startedAfter(t0 time.Time, within time.Duration) time.Time {
	deadline := time.NewTimer(time.Until(t0.Add(within)))
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, s := range r.sessions {
			if s.start.After(t0) {
				r.mu.Unlock()
				return s.start
			}
		}
		r.mu.Unlock()
		select {
		case <-r.changed:
		case <-deadline.C:
			return time.Time{}
		}
	}
}

// overlap describes two sessions that were open at the same time, or "".
func (r *sessionRelay) overlap() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, a := range r.sessions {
		for _, b := range r.sessions[i+1:] {
			if a.end.IsZero() || b.start.Before(a.end) {
				return fmt.Sprintf("a session from %s to %s and one from %s", a.start.Format("15:04:05.000"),
					a.end.Format("15:04:05.000"), b.start.Format("15:04:05.000"))
			}
		}
	}
	return ""
}

// eventLog keeps every event of an edge's JSON log, so a test can wait
// for one at any point without the process ever blocking on its stderr.
type eventLog struct {
	mu      sync.Mutex
	events  []map[string]any
	done    bool
	changed chan struct{}
}

func followEvents(t *testing.T, r io.Reader) *eventLog {
	l := &eventLog{changed: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				t.Errorf("log line is not one JSON event: %q", sc.Text())
				continue
			}
			l.mu.Lock()
			l.events = append(l.events, ev)
			l.mu.Unlock()
			l.poke()
		}
		l.mu.Lock()
		l.done = true
		l.mu.Unlock()
		l.poke()
	}()
	return l
}

func (l *eventLog) poke() {
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// await returns the first event logged with message msg, waiting up to
// within for it.
func (l *eventLog) await(t *testing.T, msg string, within time.Duration) map[string]any {
	t.Helper()
	return l.awaitAfter(t, nil, msg, within)
}

// awaitAfter is await for the events logged after event prev (all with
// nil).
func (l *eventLog) awaitAfter(t *testing.T, prev map[string]any, msg string, within time.Duration) map[string]any {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		passed := prev == nil
		for _, ev := range l.events {
			if !passed {
				passed = fmt.Sprint(ev) == fmt.Sprint(prev)
				continue
			}
			if ev["message"] == msg {
				l.mu.Unlock()
				return ev
			}
		}
		done := l.done
		l.mu.Unlock()
		if done {
			t.Fatalf("edge exited before logging %q", msg)
		}
		select {
		case <-l.changed:
		case <-deadline.C:
			t.Fatalf("after %s: %q not logged", within, msg)
		}
	}
}

// recordSink keeps the anomalies handed to it.
type recordSink struct{ got []bus.Anomaly }

func (r *recordSink) PublishAnomaly(a bus.Anomaly) error { r.got = append(r.got, a); return nil }

// A fleet edge's anomalies carry the Owner of the Work being applied.
func TestOwnedSinkStampsAnomalies(t *testing.T) {
	f := &fleetEdge{}
	f.owner.Store(&bus.Owner{Epoch: 7, Incarnation: "abc"})
	rec := &recordSink{}
	s := ownedSink{Sink: rec, fl: f}
	s.PublishAnomaly(bus.Anomaly{ID: "a1"})
	f.owner.Store(&bus.Owner{Epoch: 9, Incarnation: "abc"})
	s.PublishAnomaly(bus.Anomaly{ID: "a2"})
	if len(rec.got) != 2 || rec.got[0].Epoch != 7 || rec.got[1].Epoch != 9 || rec.got[1].Incarnation != "abc" {
		t.Fatalf("anomalies %+v", rec.got)
	}
}

// A CA file that holds no certificate is refused, naming the key.
func TestMQTTCAFileRefused(t *testing.T) {
	f := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(f, []byte("not a certificate"), 0o644)
	cfg := &configs.Edge{Edge: configs.Identity{ID: "e1"}, MQTT: configs.MQTT{Broker: "tls://127.0.0.1:1", CAFile: f, QueueDir: t.TempDir()}}
	if _, err := connect(cfg, peers.TestLog(t), ""); err == nil || !strings.Contains(err.Error(), "mqtt.ca_file") || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("connect = %v, want a mqtt.ca_file problem", err)
	}
}
