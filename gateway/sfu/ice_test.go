package sfu

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/peers"
)

// The TURN server of the tests: a real pion/turn server (STUN too) on a
// local address, one user.
const (
	turnUser  = "argus"
	turnPass  = "turn-password-0123"
	turnRealm = "argus-test"
)

// startTURN runs a pion/turn server on ip (UDP, an ephemeral port) that
// relays from ip, until the test ends; it returns the server and the
// ICE servers naming it: one STUN, one TURN with its credentials.
func startTURN(t testing.TB, ip string) (*turn.Server, []webrtc.ICEServer) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	key := turn.GenerateAuthKey(turnUser, turnRealm, turnPass)
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm: turnRealm,
		AuthHandler: func(ra *turn.RequestAttributes) (string, []byte, bool) {
			return ra.Username, key, ra.Username == turnUser
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP(ip), Address: ip}}},
		LoggerFactory: logging.NewDefaultLoggerFactory(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	addr := conn.LocalAddr().String()
	return srv, []webrtc.ICEServer{{URLs: []string{"stun:" + addr}},
		{URLs: []string{"turn:" + addr + "?transport=udp"}, Username: turnUser, Credential: turnPass, CredentialType: webrtc.ICECredentialTypePassword}}
}

// send makes a WHIP/WHEP request (peers.SDPRequest).
var send = peers.SDPRequest

// TestICEServerLinks: the SFU's ICE servers reach WHIP and WHEP clients as
// Link headers (RFC 9725 §4.6): the STUN server to anyone asking OPTIONS,
// the TURN server with its credentials only to requests the endpoint
// authenticates (201 answers, OPTIONS with a credential), nothing to a
// refused one; the credential is never logged.
func TestICEServerLinks(t *testing.T) {
	aus := clip(t)
	_, servers := startTURN(t, "127.0.0.1")
	logs := &peers.LogBuffer{}
	_, hs, al := startSFU(t, func(o *Options) {
		o.ICEServers = servers
		o.Log = zerolog.New(logs).Level(zerolog.DebugLevel)
	})
	publish(t, hs.URL, "cam1", edgeTok, aus)
	stun := `<` + servers[0].URLs[0] + `>; rel="ice-server"`
	all := []string{stun, `<` + servers[1].URLs[0] + `>; rel="ice-server"; username="` + turnUser + `"; credential="` + turnPass + `"; credential-type="password"`}

	whipPC, err := clientAPI(t, nil).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer whipPC.Close()
	whipPC.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	whipOffer := offer(t, whipPC)
	cases := []struct {
		name, method, path, token, body string
		status                          int
		links                           []string
		allow                           string
	}{
		{"WHEP answer", "POST", "/whep/cam1", viewerTok, offerFor(t), 201, all, ""},
		{"WHIP answer", "POST", "/whip/cam2", edgeTok, whipOffer, 201, all, ""},
		{"refused WHEP", "POST", "/whep/cam1", "", offerFor(t), 401, nil, ""},
		{"anonymous OPTIONS (CORS preflight)", "OPTIONS", "/whep/cam1", "", "", 204, all[:1], endpointAllow},
		{"viewer OPTIONS", "OPTIONS", "/whep/cam1", viewerTok, "", 204, all, endpointAllow},
		{"edge OPTIONS", "OPTIONS", "/whip/cam1", edgeTok, "", 204, all, endpointAllow},
		{"unknown token OPTIONS", "OPTIONS", "/whep/cam1", "nope", "", 401, nil, ""},
		{"other site OPTIONS", "OPTIONS", "/whep/cam1", farTok, "", 403, nil, ""},
		{"viewer OPTIONS on WHIP", "OPTIONS", "/whip/cam1", viewerTok, "", 403, nil, ""},
	}
	for _, c := range cases {
		resp, body := send(t, c.method, hs.URL+c.path, c.token, c.body)
		if got := resp.Header.Values("Link"); resp.StatusCode != c.status || !slices.Equal(got, c.links) {
			t.Errorf("%s: %d %q, Link %q; want %d, Link %q", c.name, resp.StatusCode, body, got, c.status, c.links)
		}
		if got := resp.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s: Allow %q, want %q", c.name, got, c.allow)
		}
	}
	if strings.Contains(logs.String(), turnPass) {
		t.Error("the log shows the TURN credential")
	}
	for _, l := range al.snapshot() {
		if strings.HasPrefix(l, "carol ") {
			t.Errorf("an OPTIONS was audited as a view: %q", l)
		}
	}
}

// TestSilentSTUNServerCostsNoStream: the SFU's STUN server is a UDP socket
// on loopback that reads and never answers (simulated: a dead or firewalled
// STUN server). Gathering never completes, so after GatherTimeout the SFU
// answers with the host candidates it has (201, and media flows) and warns
// once per negotiation, instead of refusing the viewer.
func TestSilentSTUNServerCostsNoStream(t *testing.T) {
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	logs := &peers.LogBuffer{}
	_, hs, _ := startSFU(t, func(o *Options) {
		o.ICEServers = []webrtc.ICEServer{{URLs: []string{"stun:" + silent.LocalAddr().String()}}}
		o.GatherTimeout = 300 * time.Millisecond
		o.Log = zerolog.New(logs).Level(zerolog.WarnLevel)
	})
	p := publish(t, hs.URL, "cam1", edgeTok, clip(t))
	defer p.stop()
	v := watch(t, hs.URL, "cam1", viewerTok)
	v.await(t, 20, 10*time.Second)
	if !logs.Await("ICE gathering incomplete", 5*time.Second) {
		t.Errorf("no warning about the silent STUN server; log:\n%s", logs)
	}
}
