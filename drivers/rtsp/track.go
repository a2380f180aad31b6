package rtsp

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/pion/rtp"
)

// track turns a camera's RTP packets into access units for one codec and
// keeps the codec's parameter sets current.
type track interface {
	// decode depacketizes and checks the NAL unit headers; it returns nil
	// and no error while a unit is incomplete.
	decode(pkt *rtp.Packet) ([][]byte, error)
	// keyframe tells whether au is a random-access point, learns in-band
	// parameter sets from it and returns au with the current parameter sets
	// prepended when it lacks them. changed reports new parameter sets.
	keyframe(au [][]byte) (key bool, out [][]byte, changed bool)
	// size returns the coded picture size from the current SPS, 0 if unknown.
	size() (width, height int)
	// learn takes the parameter sets a unit carried in-band (nil when
	// absent; vps is H.265's) and returns the current ones the unit lacks,
	// to put before a keyframe's NAL units; changed reports new ones.
	learn(vps, sps, pps []byte) (lacks [][]byte, changed bool)
	// assemble depacketizes the packets of one complete unit with a
	// depacketizer of its own, so consumers may call it concurrently; nil
	// when they hold no complete unit.
	assemble(pkts []*rtp.Packet) [][]byte
	// fast tells whether the stream's packets may be scanned (scan) rather
	// than depacketized as they come.
	fast() bool
}

// newTrack picks the first H.264 or H.265 video format of a session.
func newTrack(desc *description.Session) (*description.Media, format.Format, track, error) {
	var f264 *format.H264
	if m := desc.FindFormat(&f264); m != nil {
		d, err := f264.CreateDecoder()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: H.264 track: %w", ErrBadSDP, err)
		}
		return m, f264, &h264Track{f: f264, dec: d}, nil
	}
	var f265 *format.H265
	if m := desc.FindFormat(&f265); m != nil {
		d, err := f265.CreateDecoder()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: H.265 track: %w", ErrBadSDP, err)
		}
		return m, f265, &h265Track{f: f265, dec: d}, nil
	}
	return nil, nil, nil, fmt.Errorf("%w (offered: %s)", ErrNoVideo, offered(desc))
}

// offered lists the codecs of a session for error messages.
func offered(desc *description.Session) string {
	var b bytes.Buffer
	for _, m := range desc.Medias {
		for _, f := range m.Formats {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", m.Type, f.Codec())
		}
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

// depacketizing errors that only mean "wait for more packets".
func incomplete(err error) bool {
	return err == rtph264.ErrMorePacketsNeeded || err == rtph265.ErrMorePacketsNeeded ||
		err == rtph264.ErrNonStartingPacketAndNoPrevious || err == rtph265.ErrNonStartingPacketAndNoPrevious
}

type h264Track struct {
	f   *format.H264
	dec *rtph264.Decoder
}

func (t *h264Track) decode(pkt *rtp.Packet) ([][]byte, error) {
	au, err := t.dec.Decode(pkt)
	if incomplete(err) {
		return nil, nil
	}
	if err == nil {
		err = checkH264(au)
	}
	return au, err
}

func (t *h264Track) keyframe(au [][]byte) (bool, [][]byte, bool) {
	var inSPS, inPPS []byte
	key := false
	for _, n := range au {
		if len(n) == 0 {
			continue
		}
		switch h264.NALUType(n[0] & 0x1f) {
		case h264.NALUTypeSPS:
			inSPS = n
		case h264.NALUTypePPS:
			inPPS = n
		case h264.NALUTypeIDR:
			key = true
		}
	}
	lacks, changed := t.learn(nil, inSPS, inPPS)
	if !key {
		return key, au, changed
	}
	return key, prepend(au, lacks...), changed
}

func (t *h264Track) learn(_, inSPS, inPPS []byte) ([][]byte, bool) {
	sps, pps := t.f.SafeParams()
	changed := false
	if (inSPS != nil && !bytes.Equal(inSPS, sps)) || (inPPS != nil && !bytes.Equal(inPPS, pps)) {
		sps, pps = pick(inSPS, sps), pick(inPPS, pps)
		t.f.SafeSetParams(sps, pps)
		changed = true
	}
	return nonNil(missing(inSPS, sps), missing(inPPS, pps)), changed
}

func (t *h264Track) assemble(pkts []*rtp.Packet) [][]byte {
	d := &rtph264.Decoder{PacketizationMode: t.f.PacketizationMode}
	if d.Init() != nil {
		return nil
	}
	return assemble(pkts, d.Decode)
}

func (t *h264Track) fast() bool { return true }

func (t *h264Track) size() (int, int) {
	sps, _ := t.f.SafeParams()
	var s h264.SPS
	if sps == nil || s.Unmarshal(sps) != nil {
		return 0, 0
	}
	return s.Width(), s.Height()
}

type h265Track struct {
	f   *format.H265
	dec *rtph265.Decoder
}

func (t *h265Track) decode(pkt *rtp.Packet) ([][]byte, error) {
	au, err := t.dec.Decode(pkt)
	if incomplete(err) {
		return nil, nil
	}
	if err == nil {
		err = checkH265(au)
	}
	return au, err
}

func (t *h265Track) keyframe(au [][]byte) (bool, [][]byte, bool) {
	var inVPS, inSPS, inPPS []byte
	for _, n := range au {
		if len(n) < 2 {
			continue
		}
		switch h265.NALUType((n[0] >> 1) & 0x3f) {
		case h265.NALUType_VPS_NUT:
			inVPS = n
		case h265.NALUType_SPS_NUT:
			inSPS = n
		case h265.NALUType_PPS_NUT:
			inPPS = n
		}
	}
	key := h265.IsRandomAccess(au)
	lacks, changed := t.learn(inVPS, inSPS, inPPS)
	if !key {
		return key, au, changed
	}
	return key, prepend(au, lacks...), changed
}

func (t *h265Track) learn(inVPS, inSPS, inPPS []byte) ([][]byte, bool) {
	vps, sps, pps := t.f.SafeParams()
	changed := false
	if (inVPS != nil && !bytes.Equal(inVPS, vps)) || (inSPS != nil && !bytes.Equal(inSPS, sps)) ||
		(inPPS != nil && !bytes.Equal(inPPS, pps)) {
		vps, sps, pps = pick(inVPS, vps), pick(inSPS, sps), pick(inPPS, pps)
		t.f.SafeSetParams(vps, sps, pps)
		changed = true
	}
	return nonNil(missing(inVPS, vps), missing(inSPS, sps), missing(inPPS, pps)), changed
}

func (t *h265Track) assemble(pkts []*rtp.Packet) [][]byte {
	d := &rtph265.Decoder{MaxDONDiff: t.f.MaxDONDiff}
	if d.Init() != nil {
		return nil
	}
	return assemble(pkts, d.Decode)
}

// fast: with DON fields (sprop-max-don-diff) the payloads carry more than
// the scan reads.
func (t *h265Track) fast() bool { return t.f.MaxDONDiff == 0 }

func (t *h265Track) size() (int, int) {
	_, sps, _ := t.f.SafeParams()
	var s h265.SPS
	if sps == nil || s.Unmarshal(sps) != nil {
		return 0, 0
	}
	return s.Width(), s.Height()
}

// pick prefers the in-band value, copied: the format keeps it for the
// whole pull, and the in-band bytes are a slice of a read chunk that it
// would keep alive with all the packets around them (interleave.go).
func pick(in, cur []byte) []byte {
	if in != nil {
		return bytes.Clone(in)
	}
	return cur
}

// missing returns the known parameter set when the unit lacks it in-band.
func missing(in, cur []byte) []byte {
	if in != nil {
		return nil
	}
	return cur
}

// assemble feeds a unit's packets to a fresh depacketizer and returns the
// unit it completes.
func assemble(pkts []*rtp.Packet, decode func(*rtp.Packet) ([][]byte, error)) [][]byte {
	for _, pkt := range pkts {
		if au, err := decode(pkt); err == nil && au != nil {
			return au
		}
	}
	return nil
}

// nonNil returns the non-nil parameter sets, nil when there are none.
func nonNil(params ...[]byte) [][]byte {
	var out [][]byte
	for _, p := range params {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// prepend returns the non-nil params followed by au. It leaves au alone
// when nothing is missing, and otherwise builds a new slice so au's backing
// array (owned by the depacketizer) is not written.
func prepend(au [][]byte, params ...[]byte) [][]byte {
	n := 0
	for _, p := range params {
		if p != nil {
			n++
		}
	}
	if n == 0 {
		return au
	}
	out := make([][]byte, 0, n+len(au))
	for _, p := range params {
		if p != nil {
			out = append(out, p)
		}
	}
	return append(out, au...)
}
