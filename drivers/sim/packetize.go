package sim

import (
	"errors"
	"fmt"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/pion/rtp"
)

// payloadMaxSize leaves room under a 1500-byte MTU for IP, UDP, RTP and
// interleaving headers.
const payloadMaxSize = 1400

// buildScene parses an Annex-B elementary stream into access units and
// packetizes every one of them once.
func buildScene(spec SceneSpec, data []byte) (*Scene, error) {
	aus := accessUnits(spec.Codec, splitNALUs(data))
	if len(aus) == 0 {
		return nil, errors.New("no access units")
	}
	sc := &Scene{Spec: spec}
	sc.findParams(aus)
	if sc.sps == nil || sc.pps == nil || (spec.Codec == H265 && sc.vps == nil) {
		return nil, errors.New("parameter sets missing")
	}
	if err := sc.checkSize(); err != nil {
		return nil, err
	}
	encode, err := newPacketizer(spec.Codec)
	if err != nil {
		return nil, err
	}
	sc.frames = make([]frame, len(aus))
	for i, au := range aus {
		f := &sc.frames[i]
		f.pts = uint32(int64(i) * ClockRate / int64(spec.FPS))
		f.key = isKey(spec.Codec, au)
		if f.key {
			au = sc.withParams(au)
		}
		pkts, err := encode(au)
		if err != nil {
			return nil, fmt.Errorf("access unit %d: %w", i, err)
		}
		f.payloads = make([][]byte, len(pkts))
		for j, p := range pkts {
			f.payloads[j] = p.Payload
		}
	}
	if !sc.frames[0].key {
		return nil, errors.New("the stream does not start with a keyframe")
	}
	sc.loopTicks = uint32(int64(len(aus)) * ClockRate / int64(spec.FPS))
	return sc, nil
}

func newPacketizer(codec Codec) (func([][]byte) ([]*rtp.Packet, error), error) {
	if codec == H265 {
		e := &rtph265.Encoder{PayloadType: payloadType, PayloadMaxSize: payloadMaxSize}
		return e.Encode, e.Init()
	}
	e := &rtph264.Encoder{PayloadType: payloadType, PayloadMaxSize: payloadMaxSize, PacketizationMode: 1}
	return e.Encode, e.Init()
}

func isKey(codec Codec, au [][]byte) bool {
	if codec == H265 {
		return h265.IsRandomAccess(au)
	}
	return h264.IsRandomAccess(au)
}

// paramType returns 1, 2, 3 for a VPS, SPS, PPS, and 0 for other units.
func paramType(codec Codec, n []byte) int {
	if codec == H265 {
		switch h265.NALUType((n[0] >> 1) & 0x3f) {
		case h265.NALUType_VPS_NUT:
			return 1
		case h265.NALUType_SPS_NUT:
			return 2
		case h265.NALUType_PPS_NUT:
			return 3
		}
		return 0
	}
	switch h264.NALUType(n[0] & 0x1f) {
	case h264.NALUTypeSPS:
		return 2
	case h264.NALUTypePPS:
		return 3
	}
	return 0
}

// findParams keeps the first parameter sets of the stream for the SDP.
func (s *Scene) findParams(aus [][][]byte) {
	for _, au := range aus {
		for _, n := range au {
			p := []*[]byte{nil, &s.vps, &s.sps, &s.pps}[paramType(s.Spec.Codec, n)]
			if p != nil && *p == nil {
				*p = n
			}
		}
	}
}

// withParams prepends the parameter sets to a keyframe that lacks them, so
// that a reader of an in-band-only camera can start at any keyframe.
func (s *Scene) withParams(au [][]byte) [][]byte {
	for _, n := range au {
		if paramType(s.Spec.Codec, n) == 2 {
			return au
		}
	}
	params := [][]byte{s.sps, s.pps}
	if s.Spec.Codec == H265 {
		params = [][]byte{s.vps, s.sps, s.pps}
	}
	return append(params, au...)
}

// checkSize catches a cached file that does not match its spec.
func (s *Scene) checkSize() error {
	var w, h int
	if s.Spec.Codec == H265 {
		var sps h265.SPS
		if err := sps.Unmarshal(s.sps); err != nil {
			return fmt.Errorf("SPS: %w", err)
		}
		w, h = sps.Width(), sps.Height()
	} else {
		var sps h264.SPS
		if err := sps.Unmarshal(s.sps); err != nil {
			return fmt.Errorf("SPS: %w", err)
		}
		w, h = sps.Width(), sps.Height()
	}
	if w != s.Spec.Width || h != s.Spec.Height {
		return fmt.Errorf("picture is %dx%d, want %dx%d", w, h, s.Spec.Width, s.Spec.Height)
	}
	return nil
}

// frameAt returns the frame index and RTP timestamp offset of the n-th
// frame sent since a camera started: the loop offset plus the frame's pts.
func (s *Scene) frameAt(n int64) (int, uint32) {
	loops, i := n/int64(len(s.frames)), int(n%int64(len(s.frames)))
	return i, uint32(loops)*s.loopTicks + s.frames[i].pts
}

// frameInterval is the time between two frames.
func (s *Scene) frameInterval() time.Duration {
	return time.Second / time.Duration(s.Spec.FPS)
}
