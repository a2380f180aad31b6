package sfu

import (
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// registerInterceptors installs what a viewer of a relayed camera needs,
// and nothing that costs per packet for no use (pion's defaults run five
// interceptors on every packet to every viewer):
//   - NACK: the responder resends a viewer's lost packets (a lost packet
//     of a keyframe would otherwise spoil a whole GOP); the generator asks
//     the edge's uplink for what it lost.
//   - RTCP reports: a sender report a second lets a viewer map RTP time to
//     wall time; receiver reports tell the edge what its uplink lost.
//
// Left out: TWCC, whose header extension lengthens every packet and makes
// each viewer send feedback ten times a second, for a congestion
// controller the SFU does not have (it forwards the camera's bitrate as it
// came and cannot lower it); the stats interceptor, which timestamps every
// packet for GetStats, which the SFU never calls; the simulcast header
// extensions (a camera has one encoding).
func registerInterceptors(m *webrtc.MediaEngine, ir *interceptor.Registry) error {
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return err
	}
	return webrtc.ConfigureRTCPReports(ir)
}
