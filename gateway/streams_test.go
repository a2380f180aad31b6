package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

const (
	edgeSecret   = "edge-secret-0123456789"
	viewerSecret = "viewer-secret-0123456789"
	guardSecret  = "guard-secret-0123456789"
)

// writeConfig writes a gateway config with a store in the test's temporary
// directory (never var/ of the source tree) after the given YAML.
func writeConfig(t testing.TB, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "gateway.yaml")
	yaml += fmt.Sprintf("store: {driver: sqlite, path: %q}\n", filepath.Join(dir, "var", "gateway.db"))
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startGateway runs the gateway with a config of tokens and a gateway bus
// user (passed as -tokens, the former name of -config) until the test ends
// and returns its HTTP URL, its MQTT URL logged in as that user, and its log.
func startGateway(t testing.TB, more ...string) (httpURL, mqttURL string, log *peers.LogBuffer) {
	t.Helper()
	return startGatewayArgs(t, nil, more...)
}

// startGatewayArgs is startGateway with extra command-line arguments
// (they win over the defaults).
func startGatewayArgs(t testing.TB, args []string, more ...string) (httpURL, mqttURL string, log *peers.LogBuffer) {
	t.Helper()
	tokens := writeConfig(t, `tokens:
  - {name: edge-demo, role: edge, sites: ["*"], edge: edge-demo, token_env: T_EDGE}
  - {name: duty-officer, role: viewer, sites: ["*"], token_env: T_VIEWER}
  - {name: riverside-guard, role: viewer, sites: [riverside], token_env: T_GUARD}
bus:
  users:
    - {name: test-gw, role: gateway, password_env: T_BUS_GW}
`+strings.Join(more, ""))
	t.Setenv("T_BUS_GW", busSecret)
	t.Setenv("T_EDGE", edgeSecret)
	t.Setenv("T_VIEWER", viewerSecret)
	t.Setenv("T_GUARD", guardSecret)
	mqttPort, httpPort := peers.FreePort(t), peers.FreePort(t)
	log = &peers.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-mqtt", fmt.Sprintf("127.0.0.1:%d", mqttPort), "-http", fmt.Sprintf("127.0.0.1:%d", httpPort),
			"-nats", "127.0.0.1:0", "-bus-store", t.TempDir(),
			"-webrtc-udp", "127.0.0.1:0", "-tokens", tokens, "-rules", "../configs/rules", "-log-format", "json", "-on-demand-timeout", "10s"}, args...), log)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	if !log.Await(`"gateway ready"`, 10*time.Second) { // edges are admitted
		select {
		case err := <-done:
			done <- err // for the cleanup
			t.Fatalf("gateway exited: %v\n%s", err, log)
		default:
			t.Fatalf("gateway not ready after 10s:\n%s", log)
		}
	}
	return fmt.Sprintf("http://127.0.0.1:%d", httpPort), fmt.Sprintf("tcp://test-gw:%s@127.0.0.1:%d", busSecret, mqttPort), log
}

// busSecret is the password of the bus user test-gw (role gateway), which
// the MQTT URL of startGateway carries for paho.
const busSecret = "bus-secret-for-tests"

// pionPC is a pion PeerConnection for loopback tests.
func pionPC(t *testing.T) *webrtc.PeerConnection {
	t.Helper()
	pc, err := loopbackPC()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// loopbackPC is a pion PeerConnection that gathers loopback candidates.
func loopbackPC() (*webrtc.PeerConnection, error) {
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	return webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
}

// sdpOffer returns pc's complete (non-trickle) offer.
func sdpOffer(t *testing.T, pc *webrtc.PeerConnection) string {
	t.Helper()
	sdp, err := completeOffer(pc)
	if err != nil {
		t.Fatal(err)
	}
	return sdp
}

// completeOffer makes pc's offer and waits for its candidates.
func completeOffer(pc *webrtc.PeerConnection) (string, error) {
	o, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(o); err != nil {
		return "", err
	}
	<-gathered
	return pc.LocalDescription().SDP, nil
}

// request sends a WHIP/WHEP request (peers.SDPRequest) and returns the
// response, its body read and closed.
func request(t *testing.T, method, url, token, sdp string) *http.Response {
	t.Helper()
	resp, _ := peers.SDPRequest(t, method, url, token, sdp)
	return resp
}

func postSDP(url, token, sdp string) (int, string, error) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(sdp))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// fakeEdge answers relay_start for its cameras by publishing them over WHIP
// (an offer with an H.264 track: the uplink exists once the answer is given)
// to the command's whip_url, else to httpURL. It returns the commands it
// received. Its handlers run on goroutines of their own, never call the
// test's Fatal, and are waited for when the test ends (before their
// PeerConnections close: a command arriving then is not answered).
func fakeEdge(t *testing.T, httpURL, mqttURL string, cameras map[string]string) <-chan bus.Command {
	t.Helper()
	cmds := make(chan bus.Command, 64)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(mqttURL).SetClientID("edge-demo"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("edge: connect: %v", tok.Error())
	}
	up := &uplinks{}
	t.Cleanup(func() { up.end(); c.Disconnect(100); up.close() })
	handle := func(c paho.Client, m paho.Message) {
		defer up.running.Done()
		var cmd bus.Command
		json.Unmarshal(m.Payload(), &cmd)
		select {
		case cmds <- cmd:
		default:
		}
		r := bus.Reply{RequestID: cmd.RequestID, Action: cmd.Action, Camera: cmd.Camera, OK: true, Time: bus.Now()}
		if err := up.publish(cmd, httpURL); err != nil {
			r.OK, r.Error = false, err.Error()
		}
		b, _ := json.Marshal(r)
		c.Publish(bus.ReplyTopic("edge-demo"), 1, false, b)
	}
	if tok := c.Subscribe(bus.CommandTopic("edge-demo"), 1, func(c paho.Client, m paho.Message) {
		if up.start() {
			go handle(c, m)
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	for cam, site := range cameras {
		b, _ := json.Marshal(bus.CameraStatus{Site: site, Camera: cam, Edge: "edge-demo", State: bus.Online})
		if tok := c.Publish(bus.CameraStatusTopic(site, cam), 1, true, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	return cmds
}

// uplinks are the fake edge's WHIP publishes: their PeerConnections and
// the handlers making them.
type uplinks struct {
	mu      sync.Mutex
	ended   bool
	pcs     []*webrtc.PeerConnection
	running sync.WaitGroup
}

// start counts a handler in, unless the test ended.
func (u *uplinks) start() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.ended {
		u.running.Add(1)
	}
	return !u.ended
}

// end takes no more handlers and waits for those running.
func (u *uplinks) end() {
	u.mu.Lock()
	u.ended = true
	u.mu.Unlock()
	u.running.Wait()
}

// close closes every PeerConnection, once the handlers are done.
func (u *uplinks) close() {
	for _, pc := range u.pcs {
		pc.Close()
	}
}

// publish is the WHIP publish of cmd's camera: a PeerConnection offering
// an H.264 track, to the command's whip_url or else base.
func (u *uplinks) publish(cmd bus.Command, base string) error {
	pc, err := loopbackPC()
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.pcs = append(u.pcs, pc)
	u.mu.Unlock()
	track, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264}, "video", "edge")
	pc.AddTrack(track)
	if cmd.WHIPURL != "" {
		base = cmd.WHIPURL
	}
	offer, err := completeOffer(pc)
	if err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	st, body, err := postSDP(base+"/whip/"+cmd.Camera, edgeSecret, offer)
	if err != nil || st != http.StatusCreated {
		return fmt.Errorf("whip: %d %s %v", st, body, err)
	}
	return pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body})
}

// turnSecret is the TURN password of the gateway's config in these tests.
const turnSecret = "turn-secret-0123456789"

// iceConfig lists a STUN and a TURN server, its password in T_TURN.
const iceConfig = `ice_servers:
  - urls: ["stun:stun.example.net:3478"]
  - {urls: ["turn:turn.example.net:3478?transport=udp"], username: argus, credential_env: T_TURN}
`

// Real: the gateway's run with a tokens file, its embedded broker, paho and
// pion peers. A viewer asks for a camera nobody relays: the gateway finds its
// edge in the retained statuses, sends relay_start over MQTT, the edge
// publishes over WHIP and the viewer gets its answer, with the config's ICE
// servers in Link headers. Sites limit viewers, every view and its end is
// in the log as "stream view", and no token or TURN password ever is.
func TestGatewayStartsARelayOnDemand(t *testing.T) {
	t.Setenv("T_TURN", turnSecret)
	httpURL, mqttURL, log := startGatewayArgs(t, []string{"-log-level", "debug"}, iceConfig)
	fakeEdge(t, httpURL, mqttURL, map[string]string{"riverside-walk": "riverside", "hillside-fire": "hillside"})
	// The directory logs each camera it learns (at debug level) once Lookup finds it.
	if !log.Await(`"camera":"riverside-walk","site":"riverside","edge":"edge-demo"`, 10*time.Second) {
		t.Fatalf("the directory never learned riverside-walk:\n%s", log)
	}

	viewer := pionPC(t)
	viewer.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	offer := sdpOffer(t, viewer)
	resp := request(t, http.MethodPost, httpURL+"/whep/riverside-walk", viewerSecret, offer)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHEP riverside-walk: %d\n%s", resp.StatusCode, log)
	}
	wantLinks := []string{`<stun:stun.example.net:3478>; rel="ice-server"`,
		`<turn:turn.example.net:3478?transport=udp>; rel="ice-server"; username="argus"; credential="` + turnSecret + `"; credential-type="password"`}
	if got := resp.Header.Values("Link"); !slices.Equal(got, wantLinks) {
		t.Errorf("WHEP 201 Link headers %q, want %q", got, wantLinks)
	}
	// Without a credential (a CORS preflight), OPTIONS tells the STUN server only.
	opt := request(t, http.MethodOptions, httpURL+"/whep/riverside-walk", "", "")
	if got := opt.Header.Values("Link"); opt.StatusCode != http.StatusNoContent || !slices.Equal(got, wantLinks[:1]) {
		t.Errorf("anonymous OPTIONS: %d, Link %q, want 204 and %q", opt.StatusCode, got, wantLinks[:1])
	}
	if st := request(t, http.MethodDelete, httpURL+resp.Header.Get("Location"), viewerSecret, "").StatusCode; st != http.StatusOK {
		t.Fatalf("DELETE the viewer: %d", st)
	}
	guard := pionPC(t)
	guard.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	if st, body, _ := postSDP(httpURL+"/whep/hillside-fire", guardSecret, sdpOffer(t, guard)); st != http.StatusForbidden {
		t.Fatalf("riverside guard on a hillside camera: %d %s, want 403", st, body)
	}
	if st, _, _ := postSDP(httpURL+"/whep/riverside-walk", "not-a-token-at-all", offer); st != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d, want 401", st)
	}

	if !log.Await(`"action":"whep.end","reason":"deleted by duty-officer"`, 10*time.Second) {
		t.Errorf("log lacks the end of the view")
	}
	out := log.String()
	for _, want := range []string{
		`"who":"duty-officer","camera":"riverside-walk","site":"riverside","action":"whep"`,
		`"who":"edge:edge-demo","camera":"riverside-walk","site":"riverside","action":"whip"`,
		`"who":"riverside-guard","camera":"hillside-fire","site":"hillside","action":"whep.denied"`,
		`"message":"stream view"`,
		`"message":"relay started on demand"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	for _, secret := range []string{edgeSecret, viewerSecret, guardSecret, "not-a-token-at-all", turnSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("log shows a secret")
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}
