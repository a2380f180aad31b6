package rtsp

import (
	"bytes"
	"encoding/binary"

	"github.com/pion/rtp"
)

// scan reads what the pull needs of each RTP packet without depacketizing
// it: where an access unit ends, whether it is a keyframe, the parameter
// sets it carries in-band, and whether its NAL unit headers can be valid.
// The unit's bytes stay in its packets; a consumer that wants the NAL
// units has them assembled then (media.Unit.AccessUnit). This is the
// pull's fast path for the usual stream (RFC 6184 / 7798, a marker bit
// on each unit's last packet). Anything else — a unit without a marker, Annex-B inside RTP, a fragmented parameter set, a
// header that cannot be valid — says slow, and the pull hands the stream
// to gortsplib's depacketizer, which deals with all of those and reports
// errors as before. A lost fragment (UDP) costs the unit, as it does in
// the depacketizer, and the scan goes on from the next one.
type scan struct {
	h265   bool
	synced bool   // a unit's end was seen: the next packet starts a unit
	ts     uint32 // RTP timestamp of the unit's packets
	fu     bool   // inside a fragmented NAL unit
	fuNext uint16 // sequence number its next fragment must carry
	nalus  int
	key    bool
	vps    []byte // in-band parameter sets of the unit, nil when absent
	sps    []byte
	pps    []byte
}

// verdict is what the scan makes of one packet.
type verdict int

const (
	vMore verdict = iota // part of the unit, which goes on
	vDone                // the unit's last packet
	vSkip                // before the first unit's start: not part of a unit
	vSlow                // needs the full depacketizer
	vLost                // a fragment is missing: the unit is lost, the scan waits for the next
)

// NAL unit types the scan tells apart (codec numbering).
const (
	h264IDR, h264SPS, h264PPS, h264STAPA, h264FUA = 5, 7, 8, 24, 28
	h265VPS, h265SPS, h265PPS, h265AP, h265FU     = 32, 33, 34, 48, 49
	h265IDRWRADL, h265IDRNLP, h265CRA             = 19, 20, 21
)

// maxNALUs bounds the NAL units of a unit, as the depacketizers do
// (mediacommon's MaxNALUsPerAccessUnit: 25 for H.264, 21 for H.265).
func (s *scan) maxNALUs() int {
	if s.h265 {
		return 21
	}
	return 25
}

// start forgets the unit, for the next one.
func (s *scan) start() {
	s.fu, s.nalus, s.key = false, 0, false
	s.vps, s.sps, s.pps = nil, nil, nil
}

// packet scans pkt; first tells it is the first packet of a unit.
func (s *scan) packet(pkt *rtp.Packet, first bool) verdict {
	if !s.synced {
		if pkt.Marker {
			s.synced = true
			s.start()
		}
		return vSkip
	}
	if !first && pkt.Timestamp != s.ts {
		return vSlow // the last unit had no marker: split by timestamp
	}
	s.ts = pkt.Timestamp
	pl := pkt.Payload
	var ok bool
	switch s.typeOf(pl) {
	case -1:
		return vSlow
	case h264FUA, h265FU:
		var lost bool
		ok, lost = s.fragment(pkt)
		if lost {
			// as the depacketizer does, the unit is dropped; the scan starts
			// again after the next unit's end
			s.synced = pkt.Marker
			s.start()
			return vLost
		}
	case h264STAPA, h265AP:
		ok = !s.fu && s.aggregate(pl)
	default:
		ok = !s.fu && s.single(pl)
	}
	if !ok || s.nalus > s.maxNALUs() || (pkt.Marker && s.fu) {
		return vSlow
	}
	if pkt.Marker {
		return vDone
	}
	return vMore
}

// typeOf is the NAL unit type of a payload's header, -1 if too short. For
// H.265 an FU or AP is told by the same field.
func (s *scan) typeOf(b []byte) int {
	if s.h265 {
		if len(b) < 2 {
			return -1
		}
		return int(b[0]>>1) & 0x3f
	}
	if len(b) < 1 {
		return -1
	}
	return int(b[0] & 0x1f)
}

// fragment scans an FU-A (H.264) or FU (H.265) packet; lost tells that
// one before it is missing (a gap in the sequence numbers, or no start).
func (s *scan) fragment(pkt *rtp.Packet) (ok, lost bool) {
	pl := pkt.Payload
	at := 1 // the FU header's offset
	if s.h265 {
		at = 2
	}
	if len(pl) < at+1 {
		return false, false
	}
	fh := pl[at]
	startBit, endBit := fh&0x80 != 0, fh&0x40 != 0
	if !startBit {
		if !s.fu || pkt.SequenceNumber != s.fuNext {
			return false, true // a fragment lost, or out of order
		}
		s.fuNext++
		s.fu = !endBit
		return true, false
	}
	if s.fu {
		return false, true // a new start: the last one's end was lost
	}
	var t int
	if s.h265 {
		t = int(fh & 0x3f)
		if !validH265(pl[0]&0x81|byte(t<<1), pl[1]) {
			return false, false
		}
	} else {
		t = int(fh & 0x1f)
		if !validH264(pl[0]&0xe0 | byte(t)) {
			return false, false
		}
	}
	if s.param(t) {
		return false, false // a fragmented parameter set: rare, left to the depacketizer
	}
	s.note(t, nil)
	s.fu, s.fuNext = !endBit, pkt.SequenceNumber+1
	return true, false
}

// aggregate scans a STAP-A (H.264) or AP (H.265) packet: sizes within the
// payload and valid headers, as the depacketizers read them.
func (s *scan) aggregate(pl []byte) bool {
	hdr := 1
	if s.h265 {
		hdr = 2
	}
	b, n := pl[hdr:], 0
	for len(b) > 0 {
		if len(b) < 2 {
			return false
		}
		size := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if size == 0 {
			return false // padding, or broken: the depacketizer judges
		}
		if size > len(b) || !s.single(b[:size]) {
			return false
		}
		b = b[size:]
		n++
	}
	return n > 0
}

// single scans one whole NAL unit.
func (s *scan) single(n []byte) bool {
	if s.h265 {
		if len(n) < 2 || !validH265(n[0], n[1]) {
			return false
		}
	} else if len(n) < 1 || !validH264(n[0]) {
		return false
	}
	// Annex-B start codes inside RTP (some cameras): the depacketizer
	// splits them.
	if bytes.Contains(n, []byte{0, 0, 0, 1}) {
		return false
	}
	s.note(s.typeOf(n), n)
	return true
}

// note counts a NAL unit of type t; n is the whole unit, nil for a
// fragment's start.
func (s *scan) note(t int, n []byte) {
	s.nalus++
	if s.h265 {
		switch t {
		case h265VPS:
			s.vps = n
		case h265SPS:
			s.sps = n
		case h265PPS:
			s.pps = n
		case h265IDRWRADL, h265IDRNLP, h265CRA:
			s.key = true
		}
		return
	}
	switch t {
	case h264SPS:
		s.sps = n
	case h264PPS:
		s.pps = n
	case h264IDR:
		s.key = true
	}
}

func (s *scan) param(t int) bool {
	if s.h265 {
		return t == h265VPS || t == h265SPS || t == h265PPS
	}
	return t == h264SPS || t == h264PPS
}

// validH264 is checkH264's test of one header: forbidden bit clear, and a
// type that RFC 6184 depacketization can yield (1–23).
func validH264(h byte) bool {
	t := h & 0x1f
	return h&0x80 == 0 && t != 0 && t < 24
}

// validH265 is checkH265's test of one header: forbidden bit clear, no
// reserved or unspecified type (41 and up), temporal id plus one not 0.
func validH265(h0, h1 byte) bool {
	return h0&0x80 == 0 && (h0>>1)&0x3f < 41 && h1&0x07 != 0
}
