package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/gateway/web"
)

// Binaries built once by TestMain.
var gatewayBin, edgeBin string

// Demo-like credentials, handed to the children only through their environment.
const (
	edgeToken   = "e2e-edge-token-0123456789"
	viewerToken = "e2e-viewer-token-0123456789"
	// statusToken is the edge's :9100 token (edge.http_token_env E2E_EDGE_HTTP_TOKEN).
	statusToken = "e2e-edge-status-token-0123456789"
	edgeID      = "edge-e2e"
	site        = "riverside"
)

// childLog is a child's log, with its JSON events searchable.
type childLog struct{ peers.LogBuffer }

// events returns the JSON log events whose message is msg and whose fields
// include every one of want.
func (s *childLog) events(msg string, want map[string]string) []map[string]any {
	return eventsIn(s.String(), msg, want)
}

// awaitEvents waits until the log has n events that events would return,
// failing the test after within.
func (s *childLog) awaitEvents(t *testing.T, n int, msg string, want map[string]string, within time.Duration) {
	t.Helper()
	if !s.AwaitFunc(func(log string) bool { return len(eventsIn(log, msg, want)) >= n }, within) {
		t.Fatalf("log: %d %q events %v within %s, want %d", len(s.events(msg, want)), msg, want, within, n)
	}
}

// eventsIn is events of the log text log.
func eventsIn(log, msg string, want map[string]string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(log, "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(line), &ev) != nil || ev["message"] != msg {
			continue
		}
		match := true
		for k, v := range want {
			if fmt.Sprint(ev[k]) != v {
				match = false
			}
		}
		if match {
			out = append(out, ev)
		}
	}
	return out
}

// child is a running binary with its log.
type child struct {
	cmd  *exec.Cmd
	log  *childLog
	done chan struct{}
}

// start runs bin with args and extra environment until the test ends.
func start(t *testing.T, name, bin string, env []string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, args...), log: &childLog{}, done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stderr = c.log
	c.cmd.Stdout = c.log
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("%s log:\n%s", name, c.log)
		}
	})
	return c
}

// kill ends the child with SIGKILL, as a crash or power loss would, and
// waits for it to be gone.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatal("killed child still running after 30s")
	}
}

// stack is one deployment: simulator, gateway, edge and a same-origin page
// server for Chromium.
type stack struct {
	opts       stackOptions
	sim        *sim.Server
	cameras    map[string]string // camera id → codec (h264, h265)
	gatewayURL string
	gateway    *child
	edge       *child
	edgeAddr   string
	edgeCfg    string
	page       *httptest.Server
}

// scene is the simulated camera: TinyScene at 640x360, 15 fps, with a 10 s
// loop so a long watch is not one short clip over and over.
func scene(codec sim.Codec) sim.SceneSpec {
	s := peers.TinyScene(sim.Empty, codec)
	s.Width, s.Height, s.FPS, s.Duration = 640, 360, 15, 10*time.Second
	return s
}

// stackOptions change a stack from its defaults.
type stackOptions struct {
	// gop is the cameras' keyframe interval; 0 keeps scene's.
	gop time.Duration
	// relayIdle is the edge's relay.idle_timeout; 0 is 60 s.
	relayIdle time.Duration
	// record is every camera's record.mode ("" keeps the default, events).
	record string
}

// startStack starts the simulator (cam1..cam4 H.264, cam5 H.265), the
// gateway (embedded broker, tokens file) and the edge pulling every camera,
// and returns once the cameras are online at the edge and known to the
// gateway through their retained statuses.
func startStack(t *testing.T) *stack {
	t.Helper()
	return startStackWith(t, stackOptions{})
}

// startStackWith is startStack with options.
func startStackWith(t *testing.T, o stackOptions) *stack {
	t.Helper()
	peers.Need(t, "chromium", "chromium") // before minutes of setup
	st := &stack{opts: o, cameras: map[string]string{"cam1": "h264", "cam2": "h264", "cam3": "h264", "cam4": "h264", "cam5": "h265"}}
	var cams []sim.Camera
	for _, id := range sortedKeys(st.cameras) {
		codec := sim.H264
		if st.cameras[id] == "h265" {
			codec = sim.H265
		}
		sc := scene(codec)
		if o.gop > 0 {
			sc.GOP = o.gop
		}
		cams = append(cams, sim.Camera{Path: id, Scene: sc})
	}
	st.sim = peers.Sim(t, cams...)

	dir := t.TempDir()
	tokens := filepath.Join(dir, "gateway.yaml") // configs/gateway-demo.yaml's format
	write(t, tokens, fmt.Sprintf(`tokens:
  - name: edge-e2e
    role: edge
    sites: ["*"]
    edge: %s
    token_env: E2E_EDGE_TOKEN
  - name: duty-officer
    role: viewer
    sites: ["*"]
    token_env: E2E_VIEWER_TOKEN
store: {driver: sqlite, path: %q} # in the test's directory, never the source tree
`+busSection(edgeID, site), edgeID, filepath.Join(dir, "gateway.db")))
	env := []string{"E2E_EDGE_TOKEN=" + edgeToken, "E2E_VIEWER_TOKEN=" + viewerToken, "E2E_EDGE_BUS=" + edgeBusPassword}
	mqttPort, httpPort := peers.FreePort(t), peers.FreePort(t)
	st.gatewayURL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	// ICE listens on every interface: Chromium gathers no loopback candidates.
	st.gateway = start(t, "gateway", gatewayBin, env, "-mqtt", fmt.Sprintf("127.0.0.1:%d", mqttPort),
		"-http", fmt.Sprintf("127.0.0.1:%d", httpPort), "-webrtc-udp", "0.0.0.0:0",
		"-nats", "127.0.0.1:0", "-bus-store", filepath.Join(dir, "nats"), "-tokens", tokens, "-log-format", "json", "-on-demand-timeout", "20s")
	poll(t, "gateway /healthz", 30*time.Second, func() (bool, string) {
		code, body := get(st.gatewayURL + "/healthz")
		return code == 200, fmt.Sprintf("%d %s", code, body)
	})

	rules := filepath.Join(dir, "rules")
	if err := os.Mkdir(rules, 0o755); err != nil {
		t.Fatal(err)
	}
	st.startEdgeOn(t, dir, rules, mqttPort, func(string) string { return site })

	st.page = pageServer(t, st.gatewayURL)
	return st
}

// startEdge (re)starts the edge binary and waits until every camera is
// online at the edge and its retained status reached the gateway.
func (st *stack) startEdge(t *testing.T) {
	t.Helper()
	st.edge = start(t, "edge", edgeBin, []string{"E2E_EDGE_TOKEN=" + edgeToken, "E2E_EDGE_BUS=" + edgeBusPassword, "E2E_EDGE_HTTP_TOKEN=" + statusToken},
		"-config", st.edgeCfg, "-log-format", "json")
	poll(t, "edge cameras online", 90*time.Second, func() (bool, string) {
		code, body := getWith("http://"+st.edgeAddr+"/api/cameras", statusToken)
		if code != 200 {
			return false, fmt.Sprintf("%d %s", code, body)
		}
		var v struct{ Cameras []struct{ ID, State string } }
		if json.Unmarshal([]byte(body), &v) != nil {
			return false, body
		}
		online := 0
		for _, c := range v.Cameras {
			if c.State == "online" {
				online++
			}
		}
		return online == len(st.cameras), body
	})
	// A WHEP with the wrong Content-Type is refused after the camera lookup:
	// 404 while the gateway does not know the camera, 415 once it does. It
	// starts nothing.
	for _, id := range sortedKeys(st.cameras) {
		poll(t, "gateway knows "+id, 60*time.Second, func() (bool, string) {
			req, _ := http.NewRequest(http.MethodPost, st.gatewayURL+"/whep/"+id, strings.NewReader("x"))
			req.Header.Set("Authorization", "Bearer "+viewerToken)
			req.Header.Set("Content-Type", "text/plain")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false, err.Error()
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode != http.StatusNotFound, fmt.Sprintf("%d %s", resp.StatusCode, body)
		})
	}
}

// pageServer serves the viewer page (peers.ViewerServer, on the console's
// player module from web's embedded assets) and reverse-proxies /whep/ to
// the gateway, so the page's WHEP requests are same-origin.
func pageServer(t *testing.T, gateway string) *httptest.Server {
	t.Helper()
	target, err := url.Parse(gateway)
	if err != nil {
		t.Fatal(err)
	}
	whep := http.NewServeMux()
	whep.Handle("/whep/", httputil.NewSingleHostReverseProxy(target))
	return peers.ViewerServer(t, web.Handler(), whep)
}

// poll calls cond until it holds, failing the test with cond's last
// description after within. It polls: the processes cannot notify us.
func poll(t *testing.T, what string, within time.Duration, cond func() (bool, string)) {
	t.Helper()
	var last string
	if !peers.Eventually(within, func() (ok bool) { ok, last = cond(); return ok }) {
		t.Fatalf("%s: not reached within %s; last: %s", what, within, last)
	}
}

func get(u string) (int, string) { return getWith(u, "") }

// getWith GETs u with a bearer token (none when empty).
func getWith(u, token string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// busSection is the gateway config's bus section: the edge's own login,
// for its sites only (as a district's edges), its password
// edgeBusPassword in E2E_EDGE_BUS.
func busSection(edge string, sites ...string) string {
	return fmt.Sprintf("bus:\n  users:\n    - {name: %s, role: edge, edge: %s, sites: [%s], password_env: E2E_EDGE_BUS}\n", edge, edge, strings.Join(sites, ", "))
}

// edgeBusPassword is the edge's bus password in the e2e tests.
const edgeBusPassword = "e2e-edge-bus-password"

// startEdgeOn writes the edge's config in dir (its cameras, each in the
// site siteOf gives, pulled from the simulator; the broker on mqttPort;
// rule sets from rules; relays to the gateway) and starts the edge.
func (st *stack) startEdgeOn(t *testing.T, dir, rules string, mqttPort int, siteOf func(camera string) string) {
	t.Helper()
	st.edgeAddr = fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	var cams strings.Builder
	var sites []string
	for _, id := range sortedKeys(st.cameras) {
		site := siteOf(id)
		if !slices.Contains(sites, "{id: "+site+"}") {
			sites = append(sites, "{id: "+site+"}")
		}
		rec := ""
		if st.opts.record != "" {
			rec = ", record: {mode: " + st.opts.record + "}"
		}
		fmt.Fprintf(&cams, "  - {id: %s, site: %s, main: %q%s}\n", id, site, st.sim.URL(id), rec)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "edge: {id: %s, http: %q, http_token_env: E2E_EDGE_HTTP_TOKEN}\nsites: [%s]\ncameras:\n%s", edgeID, st.edgeAddr, strings.Join(sites, ", "), cams.String())
	fmt.Fprintf(&b, "mqtt: {broker: \"tcp://127.0.0.1:%d\", username: %s, password_env: E2E_EDGE_BUS, queue_dir: %q}\n",
		mqttPort, edgeID, filepath.Join(dir, "queue"))
	fmt.Fprintf(&b, "detect: {rules_dir: %q}\n", rules)
	fmt.Fprintf(&b, "record: {dir: %q}\n", filepath.Join(dir, "recordings")) // the test's, never the source tree
	idle := st.opts.relayIdle
	if idle == 0 {
		idle = time.Minute
	}
	fmt.Fprintf(&b, "relay: {gateway: %q, token_env: E2E_EDGE_TOKEN, idle_timeout: %s}\n", st.gatewayURL, idle)
	st.edgeCfg = filepath.Join(dir, "edge.yaml")
	write(t, st.edgeCfg, b.String())
	st.startEdge(t)
}
