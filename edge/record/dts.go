package record

import (
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
		dts, err = d.h265x.Extract(u.AccessUnit(), u.PTS)
	} else {
		dts, err = d.h264x.Extract(u.AccessUnit(), u.PTS)
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
