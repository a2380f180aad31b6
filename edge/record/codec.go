package record

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"

	"github.com/argus-edge/argus/drivers/media"
)

// NAL unit types of parameter sets, in each codec's numbering.
const (
	h264SPS, h264PPS          = 7, 8
	h265VPS, h265SPS, h265PPS = 32, 33, 34
)

// codecOf returns the MP4 codec of a keyframe: its parameter sets from the
// access unit (the hub puts them in every keyframe), else the format's.
// They are copied: a file keeps its codec after the unit's bytes are
// reused (media.Unit.Release).
func codecOf(u *media.Unit) (mp4.Codec, error) {
	var vps, sps, pps []byte
	h265 := false
	switch f := u.Format.(type) {
	case *format.H264:
		sps, pps = f.SafeParams()
	case *format.H265:
		h265 = true
		vps, sps, pps = f.SafeParams()
	default:
		return nil, fmt.Errorf("codec %s cannot be recorded: H.264 or H.265 only", media.Codec(u.Format))
	}
	for _, n := range u.AccessUnit() {
		switch t := media.NALType(h265, n); {
		case h265 && t == h265VPS:
			vps = bytes.Clone(n)
		case (h265 && t == h265SPS) || (!h265 && t == h264SPS):
			sps = bytes.Clone(n)
		case (h265 && t == h265PPS) || (!h265 && t == h264PPS):
			pps = bytes.Clone(n)
		}
	}
	if sps == nil || pps == nil || (h265 && vps == nil) {
		return nil, fmt.Errorf("no parameter sets in the format or the keyframe")
	}
	if h265 {
		return &mp4.CodecH265{VPS: vps, SPS: sps, PPS: pps}, nil
	}
	return &mp4.CodecH264{SPS: sps, PPS: pps}, nil
}

// sameCodec tells whether two codecs have the same parameter sets: a new
// resolution starts a new file, since an init segment holds one.
func sameCodec(a, b mp4.Codec) bool {
	switch a := a.(type) {
	case *mp4.CodecH264:
		b, ok := b.(*mp4.CodecH264)
		return ok && bytes.Equal(a.SPS, b.SPS) && bytes.Equal(a.PPS, b.PPS)
	case *mp4.CodecH265:
		b, ok := b.(*mp4.CodecH265)
		return ok && bytes.Equal(a.VPS, b.VPS) && bytes.Equal(a.SPS, b.SPS) && bytes.Equal(a.PPS, b.PPS)
	}
	return false
}
