package record

import (
	"bytes"
	"slices"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/argus-edge/argus/drivers/media"
)

// decodeTimes gives a file's frames their decode times. A camera that
// sends B-frames sends them in decode order with their PTS out of order;
// the sample order of an MP4 is the decode order, each sample with its
// decode duration and its presentation offset, so the DTS has to be
// worked out from the slices' picture order (mediacommon's extractors).
// A file starts at a keyframe carrying its parameter sets, which is where
// an extractor can start.
type decodeTimes struct {
	h265  bool
	h264x h264.DTSExtractor
	h265x h265.DTSExtractor
}

// newDecodeTimes starts the extractor of u's codec.
func newDecodeTimes(u *media.Unit) *decodeTimes {
	d := &decodeTimes{}
	_, d.h265 = u.Format.(*format.H265)
	d.h264x.Initialize()
	d.h265x.Initialize()
	return d
}

// of returns u's DTS, strictly after last (the previous frame's) and never
// after u's PTS. What the extractor cannot work out (a slice it cannot
// parse, a stream it does not support) falls back to the PTS, as for a
// camera without B-frames, so no frame is lost to it.
func (d *decodeTimes) of(u *media.Unit, last int64, first bool) int64 {
	var dts int64
	var err error
	if d.h265 {
		dts, err = d.h265x.Extract(ownParams(true, u.AccessUnit()), u.PTS)
	} else {
		dts, err = d.h264x.Extract(ownParams(false, u.AccessUnit()), u.PTS)
	}
	switch {
	case err != nil:
		dts = u.PTS
	case first:
		return dts
	}
	if dts <= last {
		dts = last + 1
	}
	return min(dts, u.PTS)
}

// ownParams returns au with its parameter sets copied: the extractors keep
// the last SPS (and PPS) they saw to compare the next ones with, past the
// unit's release, when its bytes may be another frame's (media.Unit.Release).
// A unit without parameter sets is returned as it is.
func ownParams(h265 bool, au [][]byte) [][]byte {
	var out [][]byte
	for i, n := range au {
		switch t := media.NALType(h265, n); {
		case h265 && (t == h265VPS || t == h265SPS || t == h265PPS), !h265 && (t == h264SPS || t == h264PPS):
			if out == nil {
				out = slices.Clone(au)
			}
			out[i] = bytes.Clone(n)
		}
	}
	if out == nil {
		return au
	}
	return out
}
