package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// TestRelayTarget: -relay-url is a base URL or refused with the reason;
// the replica's id becomes a bus id for the edges' keys.
func TestRelayTarget(t *testing.T) {
	for _, tc := range []struct {
		url, id  string
		want     relayTarget
		errorSay string
	}{
		{"", "gw-a", relayTarget{}, ""}, // the single gateway: commands as before
		{"http://10.244.1.17:8080", "argus-gateway-7d9f-x2k4", relayTarget{"argus-gateway-7d9f-x2k4", "http://10.244.1.17:8080"}, ""},
		{"https://gw.example.net/", "GW1.example.net", relayTarget{"gw1-example-net", "https://gw.example.net"}, ""},
		{"http://10.244.1.17:8080/whip", "gw-a", relayTarget{}, "a base URL without path"},
		{"http://u:p@10.244.1.17:8080", "gw-a", relayTarget{}, "want http(s)://host[:port]"},
		{"10.244.1.17:8080", "gw-a", relayTarget{}, "want http(s)://host[:port]"},
		{"http://10.244.1.17:8080", "...", relayTarget{}, "cannot name this replica"},
	} {
		got, err := newRelayTarget(streamOptions{relayURL: tc.url}, tc.id)
		switch {
		case tc.errorSay == "" && (err != nil || got != tc.want):
			t.Errorf("-relay-url %q -id %q: %+v, %v; want %+v", tc.url, tc.id, got, err, tc.want)
		case tc.errorSay != "" && (err == nil || !strings.Contains(err.Error(), tc.errorSay)):
			t.Errorf("-relay-url %q -id %q: %v; want an error saying %q", tc.url, tc.id, err, tc.errorSay)
		}
	}
}

// Real: the gateway's run with -relay-url and -id, its embedded broker,
// paho and pion peers (the edge is simulated by fakeEdge). The on-demand
// relay_start names this replica and its URL, and the edge's WHIP to
// that URL makes the viewer's answer.
func TestRelayStartNamesTheReplica(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	relayURL := "http://" + addr
	_, mqttURL, log := startGatewayArgs(t, []string{"-http", addr, "-relay-url", relayURL + "/", "-id", "gw-a"})
	cmds := fakeEdge(t, "http://127.0.0.1:1", mqttURL, map[string]string{"riverside-walk": "riverside"}) // no fallback: only whip_url works
	viewer := pionPC(t)
	viewer.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	offer := sdpOffer(t, viewer)
	var st int
	var body string
	var err error
	peers.Eventually(10*time.Second, func() bool { // 404 until the directory has the retained status
		st, body, err = postSDP(relayURL+"/whep/riverside-walk", viewerSecret, offer)
		return err == nil && st != http.StatusNotFound
	})
	if err != nil || st != http.StatusCreated {
		t.Fatalf("WHEP riverside-walk: %d %s %v\n%s", st, body, err, log)
	}
	select {
	case cmd := <-cmds:
		if cmd.Action != bus.ActionRelayStart || cmd.Gateway != "gw-a" || cmd.WHIPURL != relayURL {
			t.Fatalf("command %+v, want relay_start from gw-a at %s", cmd, relayURL)
		}
	default:
		t.Fatal("the edge got no command")
	}
}
