package relay

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/media"
)

// NAL unit types the relay looks for, RFC 6184 (H.264) and RFC 7798 (H.265).
const (
	h264SPS, h264PPS, h264STAPA       = 7, 8, 24
	h265VPS, h265SPS, h265PPS, h265AP = 32, 33, 34, 48
)

// maxAggregate is the largest payload the relay builds itself; parameter
// sets beyond it go out one NAL unit per packet. It leaves room for SRTP
// and header extensions within a 1280-byte path MTU.
const maxAggregate = 1100

// params are a camera's parameter sets, kept to inject before keyframes
// that do not carry them, so a viewer can decode from its first keyframe.
type params struct {
	h265          bool
	vps, sps, pps []byte
}

// paramsOf takes the parameter sets from the unit's access unit, which the
// hub fills for keyframes, falling back on the format's (from the SDP).
// They are copied: the relay keeps them after it released the unit, whose
// bytes are then reused (media.Unit.Release).
func paramsOf(u *media.Unit) (params, error) {
	var p params
	switch f := u.Format.(type) {
	case *format.H264:
		p.sps, p.pps = f.SafeParams()
	case *format.H265:
		p.h265 = true
		p.vps, p.sps, p.pps = f.SafeParams()
	default:
		return p, fmt.Errorf("codec %s cannot be relayed: H.264 or H.265 only", media.Codec(u.Format))
	}
	for _, n := range u.AccessUnit() {
		if len(n) == 0 {
			continue
		}
		switch p.kind(n) {
		case h264SPS, h265SPS:
			p.sps = bytes.Clone(n)
		case h264PPS, h265PPS:
			p.pps = bytes.Clone(n)
		case h265VPS:
			p.vps = bytes.Clone(n)
		}
	}
	if p.sps == nil || p.pps == nil || (p.h265 && p.vps == nil) {
		return p, fmt.Errorf("no parameter sets in the format or the keyframe")
	}
	return p, nil
}

// kind returns the NAL unit type of n, numbered as the codec numbers them.
// For H.264 the VPS is never seen, so the two numberings cannot collide.
func (p params) kind(n []byte) int { return media.NALType(p.h265, n) }

// capability is the codec the relay offers: the one the camera sends, with
// the profile read from its SPS, so the gateway can refuse what it cannot
// relay instead of viewers failing to decode.
func (p params) capability() webrtc.RTPCodecCapability {
	fb := []webrtc.RTCPFeedback{{Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	if p.h265 {
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265, ClockRate: 90000, RTCPFeedback: fb}
	}
	plid := "42e01f"
	if len(p.sps) >= 4 {
		plid = fmt.Sprintf("%02x%02x%02x", p.sps[1], p.sps[2], p.sps[3])
	}
	return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, RTCPFeedback: fb,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + plid}
}

// hasParams tells whether the packets carry an SPS and a PPS (and a VPS for
// H.265) themselves, alone or aggregated.
func (p params) hasParams(pkts []*rtp.Packet) bool {
	var c media.Carried
	for _, pkt := range pkts {
		c |= media.Carries(p.h265, pkt.Payload)
	}
	need := media.ParamSets(p.h265)
	return c&need == need
}

// payloads builds the RTP payloads that carry the parameter sets: one
// STAP-A (H.264) or AP (H.265) when they fit, else one per NAL unit.
func (p params) payloads() [][]byte {
	sets := [][]byte{p.sps, p.pps}
	if p.h265 {
		sets = [][]byte{p.vps, p.sps, p.pps}
	}
	size := 2
	for _, n := range sets {
		size += 2 + len(n)
	}
	if size > maxAggregate {
		return sets
	}
	var b []byte
	if p.h265 {
		b = []byte{h265AP << 1, 1} // layer 0, temporal id 1: parameter sets belong to the base layer
	} else {
		var nri byte
		for _, n := range sets {
			nri = max(nri, n[0]&0x60)
		}
		b = []byte{nri | h264STAPA}
	}
	for _, n := range sets {
		b = binary.BigEndian.AppendUint16(b, uint16(len(n)))
		b = append(b, n...)
	}
	return [][]byte{b}
}

// String names the codec and profile, for logs.
func (p params) String() string {
	c := p.capability()
	return strings.TrimPrefix(c.MimeType, "video/") + " " + c.SDPFmtpLine
}
