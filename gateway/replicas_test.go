package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

const replicaEdgeSecret = "replica-edge-secret-0123456789"

// Real: two gateway processes (this package's binary, go build) joined as
// replicas gw-a and gw-b to one nats-server node (a process: JetStream,
// the MQTT listener) and one PostgreSQL store, each with -relay-url; the
// edge binary in fleet mode, assigned the camera by whichever replica
// holds the lease, pulling it over RTSP; pion WHEP viewers. Simulated: the
// camera (drivers/sim, served over RTSP).
//
// A viewer on each replica gets the camera's packets at the same time:
// each replica sent its own relay_start naming itself, and the edge keeps
// one uplink to each. The viewer on gw-a leaves: the edge's relay to gw-a
// ends (gw-a reports no viewers, relay.idle_timeout 1 s) and the viewer
// on gw-b keeps receiving.
func TestTwoReplicasRelayOneCamera(t *testing.T) {
	began := time.Now()
	dir := t.TempDir()
	gwBin, edgeBin := filepath.Join(dir, "gateway"), filepath.Join(dir, "edge")
	builds := make(chan error, 2)
	for bin, pkg := range map[string]string{gwBin: ".", edgeBin: "../edge"} {
		go func() { // both at once: linking is most of the wait
			if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
				builds <- fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
			builds <- nil
		}()
	}
	for range 2 {
		if err := <-builds; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("binaries built after %s", time.Since(began).Round(time.Millisecond))
	cam := peers.Sim(t, sim.Camera{Path: "cam-r", Scene: peers.TinyScene(sim.Empty, sim.H264)})
	c := peers.NATSClusterWith(t, 1, peers.NATSOptions{MQTT: true})
	dsn := peers.Postgres(t)

	config := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(config, []byte(`tokens:
  - {name: edge-r, role: edge, sites: ["*"], edge: edge-r, token_env: T_EDGE}
  - {name: duty-officer, role: viewer, sites: ["*"], token_env: T_VIEWER}
store: {driver: postgres, dsn_env: T_STORE_DSN}
`+consoleUsers(t)), 0o600)
	env := []string{"T_EDGE=" + replicaEdgeSecret, "T_VIEWER=" + viewerSecret, "T_STORE_DSN=" + dsn}
	gw := map[string]*gatewayProc{}
	url := map[string]string{}
	// WebRTC on every interface: the edge's uplink offers no loopback candidates.
	for _, id := range []string{"gw-a", "gw-b"} {
		addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
		url[id] = "http://" + addr
		gw[id] = startBinary(t, gwBin, env, "-backbone", c.URLs(), "-mqtt-broker", c.MQTTURL(0), "-backbone-user", "",
			"-backbone-replicas", "1", "-id", id, "-http", addr, "-webrtc-udp", "0.0.0.0:0", "-relay-url", url[id],
			"-config", config, "-log-format", "json", "-on-demand-timeout", "20s")
	}
	t.Cleanup(func() {
		if t.Failed() {
			for id, p := range gw {
				t.Logf("%s log:\n%s", id, p.log.String())
			}
		}
	})
	t.Logf("both replicas ready after %s", time.Since(began).Round(time.Millisecond))
	root := loginAs(t, url["gw-a"], "root")
	importCSV(t, url["gw-a"], root, "id,site,name,main\ncam-r,riverside,Camera R,"+cam.URL("cam-r")+"\n")

	// The edge trusts gw-a as relay.gateway and gw-b by the name localhost,
	// which resolves to gw-b's 127.0.0.1.
	edgeAddr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	edgeCfg := filepath.Join(dir, "edge.yaml")
	os.WriteFile(edgeCfg, []byte(fmt.Sprintf(`edge: {id: edge-r, http: %q, http_token_env: T_EDGE_HTTP}
mqtt: {broker: %q, username: edge-r, password_env: T_BUS, queue_dir: %q}
fleet: {nats: [%s], capacity: 5}
relay:
  gateway: %s
  gateways: ["http://localhost:%s"]
  token_env: T_EDGE
  idle_timeout: 1s
`, edgeAddr, c.MQTTURL(0), filepath.Join(dir, "queue"), c.URLs(), url["gw-a"], strings.TrimPrefix(url["gw-b"], "http://127.0.0.1:"))), 0o600)
	edge := exec.Command(edgeBin, "-config", edgeCfg, "-log-format", "json")
	edge.Env = append(os.Environ(), "T_EDGE="+replicaEdgeSecret, "T_BUS=not-checked-by-this-node", "T_EDGE_HTTP="+edgeHTTPSecret)
	edgeLog := &peers.LogBuffer{}
	edge.Stderr = edgeLog
	if err := edge.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		edge.Process.Kill()
		edge.Wait()
		if t.Failed() {
			t.Logf("edge log:\n%s", edgeLog)
		}
	})

	// Both replicas learn the camera online from the edge.
	for id := range gw {
		eventually(t, 60*time.Second, id+" sees cam-r online from edge-r", func() (bool, string) {
			var row cameraRow
			st := call(t, "GET", url[id]+"/api/cameras/cam-r", root, nil, &row)
			return st == http.StatusOK && row.State == "online" && row.OwnerEdge == "edge-r", fmt.Sprintf("%d %+v", st, row)
		})
	}

	t.Logf("cam-r online at both after %s", time.Since(began).Round(time.Millisecond))
	var onA, onB atomic.Int64
	locA := whepCount(t, url["gw-a"], "cam-r", &onA)
	whepCount(t, url["gw-b"], "cam-r", &onB)
	flowing(t, "viewer on gw-a", &onA, 15*time.Second)
	flowing(t, "viewer on gw-b", &onB, 15*time.Second)
	a0, b0 := onA.Load(), onB.Load()
	flowing(t, "viewer on gw-a while gw-b's watches", &onA, 5*time.Second)
	flowing(t, "viewer on gw-b while gw-a's watches", &onB, 5*time.Second)
	t.Logf("one window: %d packets on gw-a, %d on gw-b", onA.Load()-a0, onB.Load()-b0)
	relays := edgeRelays(t, edgeAddr)
	if len(relays) != 2 || relays["gw-a"] != url["gw-a"] || relays["gw-b"] != url["gw-b"] {
		t.Fatalf("edge relays %v, want cam-r to gw-a and gw-b at their URLs", relays)
	}
	for id, p := range gw {
		if n := strings.Count(p.log.String(), `"message":"relay started on demand"`); n != 1 {
			t.Errorf("%s logged %d on-demand relay_starts, want 1", id, n)
		}
	}

	// The viewer on gw-a leaves: gw-a's uplink ends, gw-b's flows on.
	if st := request(t, http.MethodDelete, url["gw-a"]+locA, viewerSecret, "").StatusCode; st != http.StatusOK {
		t.Fatalf("DELETE the viewer on gw-a: %d", st)
	}
	eventually(t, 20*time.Second, "the edge's relay to gw-a ended, gw-b's running", func() (bool, string) {
		r := edgeRelays(t, edgeAddr)
		_, a := r["gw-a"]
		_, b := r["gw-b"]
		return !a && b, fmt.Sprint(r)
	})
	flowing(t, "viewer on gw-b after gw-a's relay ended", &onB, 5*time.Second)
	if !strings.Contains(edgeLog.String(), `"gateway":"gw-a","error":"no viewers"`) {
		t.Errorf("the edge did not log gw-a's relay ending for want of viewers")
	}
}

// whepCount watches camera on the replica at base with a pion viewer,
// counting the RTP packets it receives in n; it returns the session's
// Location.
func whepCount(t *testing.T, base, camera string, n *atomic.Int64) string {
	t.Helper()
	pc := pionPC(t)
	pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			n.Add(1)
		}
	})
	resp, body := peers.SDPRequest(t, http.MethodPost, base+"/whep/"+camera, viewerSecret, sdpOffer(t, pc))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHEP %s on %s: %d %s", camera, base, resp.StatusCode, body)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		t.Fatal(err)
	}
	return resp.Header.Get("Location")
}

// flowing waits until n rises by more than 10 packets within d.
func flowing(t *testing.T, what string, n *atomic.Int64, d time.Duration) {
	t.Helper()
	start := n.Load()
	eventually(t, d, what, func() (bool, string) {
		return n.Load() > start+10, fmt.Sprintf("%d packets", n.Load()-start)
	})
}

// edgeHTTPSecret is the edge's :9100 token (edge.http_token_env T_EDGE_HTTP).
const edgeHTTPSecret = "edge-http-secret-for-tests"

// edgeRelays are the edge's running relays of cam-r (/api/relays, with
// the edge's token), replica id → URL.
func edgeRelays(t *testing.T, addr string) map[string]string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/relays", nil)
	req.Header.Set("Authorization", "Bearer "+edgeHTTPSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return map[string]string{"error": err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var rs []struct{ Camera, Gateway, URL string }
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatalf("edge /api/relays: %d %s", resp.StatusCode, b)
	}
	out := map[string]string{}
	for _, r := range rs {
		if r.Camera == "cam-r" {
			out[r.Gateway] = r.URL
		}
	}
	return out
}
