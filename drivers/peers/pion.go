package peers

import (
	"net"
	"testing"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// PionAPI returns a pion API for test peers on this machine: the given
// codecs (pion's defaults when m is nil) and interceptors, loopback
// candidates only, no mDNS, and candidates of one network type (UDP4 for
// most tests, TCP4 to exercise ICE-TCP).
func PionAPI(t testing.TB, m *webrtc.MediaEngine, network webrtc.NetworkType) *webrtc.API {
	t.Helper()
	return pionAPI(t, m, network, true)
}

// PionAPIBare is PionAPI without interceptors: no NACK responder keeping
// copies of the packets sent, no reports; for tests that measure the heap.
func PionAPIBare(t testing.TB, m *webrtc.MediaEngine, network webrtc.NetworkType) *webrtc.API {
	t.Helper()
	return pionAPI(t, m, network, false)
}

func pionAPI(t testing.TB, m *webrtc.MediaEngine, network webrtc.NetworkType, interceptors bool) *webrtc.API {
	if m == nil {
		m = &webrtc.MediaEngine{}
		if err := m.RegisterDefaultCodecs(); err != nil {
			t.Fatal(err)
		}
	}
	ir := &interceptor.Registry{}
	if interceptors {
		if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
			t.Fatal(err)
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{network})
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}
