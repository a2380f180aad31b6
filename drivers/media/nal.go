package media

import (
	"encoding/binary"
	"iter"
)

// RTP payloads of H.264 (RFC 6184) and H.265 (RFC 7798), read without
// depacketizing: what a relay needs to know to start a viewer at a
// keyframe, shared by the edge's relay and the gateway's SFU.

// NAL unit types read from RTP payloads, each in its codec's numbering.
const (
	h264IDR, h264SPS, h264PPS, h264STAPA, h264FUA = 5, 7, 8, 24, 28
	h265IRAPFirst, h265IRAPLast                   = 16, 21 // BLA, IDR and CRA pictures
	h265VPS, h265SPS, h265PPS, h265AP, h265FU     = 32, 33, 34, 48, 49
)

// NALType returns the type of NAL unit n (or of the RTP payload n, whose
// first bytes are a NAL unit header) in its codec's numbering, -1 when n
// is too short.
func NALType(h265 bool, n []byte) int {
	if h265 {
		if len(n) < 2 {
			return -1
		}
		return int(n[0]>>1) & 0x3f
	}
	if len(n) < 1 {
		return -1
	}
	return int(n[0] & 0x1f)
}

// PayloadNALUs yields the NAL units an RTP payload carries whole: the
// payload itself for a single NAL unit packet, each unit of an aggregation
// packet (STAP-A, AP), none for a fragment. A truncated aggregate yields
// the units before the damage.
func PayloadNALUs(h265 bool, payload []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		hdr, agg, frag := 1, h264STAPA, h264FUA
		if h265 {
			hdr, agg, frag = 2, h265AP, h265FU
		}
		switch NALType(h265, payload) {
		case frag, -1:
			return
		case agg:
			for b := payload[min(hdr, len(payload)):]; len(b) >= 2; {
				n := int(binary.BigEndian.Uint16(b))
				if n == 0 || len(b) < 2+n || !yield(b[2:2+n]) {
					return
				}
				b = b[2+n:]
			}
		default:
			yield(payload)
		}
	}
}

// Carried is a set of the kinds of NAL unit a relay looks for.
type Carried uint8

// The kinds of Carried.
const (
	CarriesVPS Carried = 1 << iota
	CarriesSPS
	CarriesPPS
	// CarriesKey is a keyframe's slice: IDR (H.264), BLA, IDR or CRA (H.265).
	CarriesKey
)

// ParamSets are the kinds a decoder needs before a keyframe: SPS and PPS,
// and a VPS for H.265.
func ParamSets(h265 bool) Carried {
	if h265 {
		return CarriesVPS | CarriesSPS | CarriesPPS
	}
	return CarriesSPS | CarriesPPS
}

// Carries tells which kinds an RTP payload carries, whole or aggregated; a
// keyframe slice also counts in the payload of its first fragment (a
// parameter set is never fragmented in practice). It does not allocate.
func Carries(h265 bool, payload []byte) Carried {
	if t, ok := fragmentStart(h265, payload); ok {
		return kindOf(h265, t)
	}
	var c Carried
	for n := range PayloadNALUs(h265, payload) {
		c |= kindOf(h265, NALType(h265, n))
	}
	return c
}

// fragmentStart returns the type of the unit whose first fragment payload
// is (FU-A, FU), ok=false for any other payload.
func fragmentStart(h265 bool, payload []byte) (int, bool) {
	if h265 {
		if len(payload) < 3 || NALType(true, payload) != h265FU || payload[2]&0x80 == 0 {
			return 0, false
		}
		return int(payload[2] & 0x3f), true
	}
	if len(payload) < 2 || NALType(false, payload) != h264FUA || payload[1]&0x80 == 0 {
		return 0, false
	}
	return int(payload[1] & 0x1f), true
}

// kindOf maps a NAL unit type to its kind, 0 for the others.
func kindOf(h265 bool, t int) Carried {
	if h265 {
		switch {
		case t == h265VPS:
			return CarriesVPS
		case t == h265SPS:
			return CarriesSPS
		case t == h265PPS:
			return CarriesPPS
		case t >= h265IRAPFirst && t <= h265IRAPLast:
			return CarriesKey
		}
		return 0
	}
	switch t {
	case h264SPS:
		return CarriesSPS
	case h264PPS:
		return CarriesPPS
	case h264IDR:
		return CarriesKey
	}
	return 0
}
