package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/bus"
)

// TestTrust is the allow-list of WHIP targets a command may name. The
// DNS answers are simulated (a table standing for the cluster's DNS: the
// headless Service argus-gateway-replicas lists the two replicas' pods).
func TestTrust(t *testing.T) {
	dns := map[string][]string{
		"argus-gateway-replicas": {"10.244.1.17", "10.244.2.9"},
		"gw.example.net":         {"192.0.2.10"},
	}
	o := Options{Gateway: "http://argus-gateway:8080", Gateways: []string{"http://argus-gateway-replicas:8080", "https://gw.example.net"},
		Resolve: func(_ context.Context, host string) ([]string, error) {
			if a, ok := dns[host]; ok {
				return a, nil
			}
			return nil, fmt.Errorf("no such host %s", host)
		}}
	o.defaults()
	for _, tc := range []struct {
		url  string
		want string // the base URL taken; "" when refused
		why  string // part of the refusal
	}{
		{"http://argus-gateway:8080", "http://argus-gateway:8080", ""},
		{"http://argus-gateway:8080/", "http://argus-gateway:8080", ""},
		{"http://ARGUS-GATEWAY:8080", "http://ARGUS-GATEWAY:8080", ""},
		{"http://10.244.1.17:8080", "http://10.244.1.17:8080", ""}, // a replica's pod, by the headless Service
		{"http://10.244.2.9:8080", "http://10.244.2.9:8080", ""},   // the other one
		{"https://192.0.2.10", "https://192.0.2.10", ""},           // default port 443 both sides
		{"https://192.0.2.10:443", "https://192.0.2.10:443", ""},   // written out
		{"http://10.244.3.3:8080", "", "matches neither"},          // not a replica
		{"http://10.244.1.17:9090", "", "matches neither"},         // a replica's address, another port
		{"https://10.244.1.17:8080", "", "matches neither"},        // another scheme
		{"http://192.0.2.10", "", "matches neither"},               // https only for that entry
		{"http://evil.example.org:8080", "", "matches neither"},    // a host name is trusted only as written
		{"http://argus-gateway.evil.org:8080", "", "matches neither"},
		{"http://edge:hunter2@argus-gateway:8080", "", "user info"}, // never echoes the password
		{"http://argus-gateway:8080/whip", "", "has a path"},
		{"http://argus-gateway:8080?x=1", "", "query"},
		{"http://argus-gateway:8080#f", "", "fragment"},
		{"ftp://argus-gateway:8080", "", "not http(s)"},
		{"argus-gateway:8080", "", "not http(s)"},
		{"//argus-gateway:8080", "", "not http(s)"},
		{"http://[::1", "", "not a URL"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			got, err := o.trust(context.Background(), tc.url)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("trust(%q) = %q, %v; want %q", tc.url, got, err, tc.want)
				}
				return
			}
			if err == nil || !errors.Is(err, errUntrusted) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("trust(%q) = %q, %v; want a refusal saying %q", tc.url, got, err, tc.why)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("refusal shows the password: %v", err)
			}
		})
	}
}

// TestTrustSaysWhyALookupFailed: a base whose host does not resolve is
// named in the refusal, so an operator sees the broken Service.
func TestTrustSaysWhyALookupFailed(t *testing.T) {
	o := Options{Gateway: "http://argus-gateway:8080", Gateways: []string{"http://argus-gateway-replicas:8080"},
		Resolve: func(_ context.Context, host string) ([]string, error) {
			return nil, fmt.Errorf("no such host %s", host)
		}}
	_, err := o.trust(context.Background(), "http://10.244.1.17:8080")
	if err == nil || !strings.Contains(err.Error(), "resolve argus-gateway-replicas: no such host") {
		t.Fatalf("refusal %v lacks the failed lookup", err)
	}
}

// TestUntrustedCommandsSendNothing: relay_start with an untrusted whip_url
// is refused with the reason before any WHIP request leaves the edge, and
// a bad replica id is refused too. No camera or gateway is needed: the
// refusal comes first.
func TestUntrustedCommandsSendNothing(t *testing.T) {
	o := Options{Gateway: "http://127.0.0.1:1"} // nothing listens there: a request would fail differently
	m := NewManager(o)
	defer m.Close()
	for _, tc := range []struct {
		cmd bus.Command
		why string
	}{
		{bus.Command{RequestID: "1", Action: bus.ActionRelayStart, Camera: "cam", Gateway: "gw-b", WHIPURL: "http://203.0.113.5:8080"}, "relay of camera cam refused: whip_url \"http://203.0.113.5:8080\" matches neither"},
		{bus.Command{RequestID: "2", Action: bus.ActionRelayStart, Camera: "cam", Gateway: "gw-b", WHIPURL: "http://u:p@127.0.0.1:1"}, "whip_url holds user info"},
		{bus.Command{RequestID: "3", Action: bus.ActionRelayStart, Camera: "cam", Gateway: "GW/B", WHIPURL: "http://127.0.0.1:1"}, `gateway "GW/B"`},
		{bus.Command{RequestID: "4", Action: bus.ActionRelayStop, Camera: "cam", Gateway: "gw b"}, `gateway "gw b"`},
	} {
		rep := m.HandleCommand(tc.cmd)
		if rep.OK || !strings.Contains(rep.Error, tc.why) {
			t.Errorf("%+v: reply %+v, want a refusal saying %q", tc.cmd, rep, tc.why)
		}
	}
	if got := m.Relays(); len(got) != 0 {
		t.Fatalf("relays after refusals: %v", got)
	}
	// Relaying off (no relay.gateway): said so, not "untrusted".
	off := NewManager(Options{})
	defer off.Close()
	rep := off.HandleCommand(bus.Command{RequestID: "5", Action: bus.ActionRelayStart, Camera: "cam", Gateway: "gw-b", WHIPURL: "http://10.0.0.1:8080"})
	if rep.OK || !strings.Contains(rep.Error, "relay.gateway is not set") {
		t.Fatalf("relay_start on an edge without relay.gateway: %+v", rep)
	}
}
