package record

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"

	"github.com/argus-edge/argus/drivers/media"
)

// SegmentFile is one recorded segment file of a camera, closed or still being
// written (End is then the time it was listed).
type SegmentFile struct {
	// Path is the file.
	Path string
	// Start is its first frame's time; End is when its last frame ends.
	Start, End time.Time
	// Open tells that the recorder is still writing it: only its whole
	// fragments are read.
	Open bool
}

// Segments lists a camera's segments under dir (the recorder's folder) that
// overlap [from, to), oldest first, from their file names: readers of the
// footage (rule replay) need no recorder. A missing folder is no footage.
func Segments(dir, camera string, from, to time.Time) ([]SegmentFile, error) {
	if !anomalyID.MatchString(camera) {
		return nil, fmt.Errorf("camera %q: not a camera id", camera)
	}
	files, err := os.ReadDir(segmentDir(dir, camera))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("camera %s: recordings: %w", camera, err)
	}
	var out []SegmentFile
	for _, f := range files {
		s := SegmentFile{Path: filepath.Join(segmentDir(dir, camera), f.Name())}
		if start, ok := parseOpen(f.Name()); ok {
			s.Start, s.End, s.Open = start, time.Now(), true
		} else if s.Start, s.End, err = parseName(f.Name()); err != nil {
			continue // not a segment of ours
		}
		if s.End.After(from) && s.Start.Before(to) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// ReadSegment calls fn with each frame of the segment's whole fragments, in
// order, as the hub carries a camera's units: the access unit (parameter
// sets put in front of each keyframe), its PTS on the 90 kHz clock counted
// from the Unix epoch (monotonic across segments), its recorded frame time
// in NTP and the track's format. It stops early when fn returns false. A
// segment that cannot be read gives an error naming the file.
func ReadSegment(s SegmentFile, fn func(*media.Unit) bool) error {
	data, err := os.ReadFile(s.Path)
	if err != nil {
		return fmt.Errorf("segment %s: %w", s.Path, err)
	}
	head, cut := wholeFragments(data)
	var init fmp4.Init
	if err := init.Unmarshal(bytes.NewReader(data[:head])); err != nil || len(init.Tracks) != 1 {
		return fmt.Errorf("segment %s: init: not one video track (%v)", s.Path, err)
	}
	fr, err := newFramer(init.Tracks[0])
	if err != nil {
		return fmt.Errorf("segment %s: %w", s.Path, err)
	}
	if cut <= head {
		return nil // no whole fragment yet
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(data[head:cut]); err != nil {
		return fmt.Errorf("segment %s: fragments: %w", s.Path, err)
	}
	for _, p := range parts {
		for _, pt := range p.Tracks {
			t := pt.BaseTime
			for _, smp := range pt.Samples {
				u, err := fr.unit(smp, s.Start.Add(ticks(t)))
				if err != nil {
					return fmt.Errorf("segment %s: frame at %s: %w", s.Path, ticks(t), err)
				}
				if !fn(u) {
					return nil
				}
				t += uint64(smp.Duration)
			}
		}
	}
	return nil
}

// framer turns a track's MP4 samples back into units.
type framer struct {
	h265   bool
	format format.Format
	params [][]byte
}

func newFramer(tr *fmp4.InitTrack) (*framer, error) {
	switch c := tr.Codec.(type) {
	case *mp4.CodecH264:
		return &framer{format: &format.H264{PayloadTyp: 96, SPS: c.SPS, PPS: c.PPS, PacketizationMode: 1},
			params: [][]byte{c.SPS, c.PPS}}, nil
	case *mp4.CodecH265:
		return &framer{h265: true, format: &format.H265{PayloadTyp: 96, VPS: c.VPS, SPS: c.SPS, PPS: c.PPS},
			params: [][]byte{c.VPS, c.SPS, c.PPS}}, nil
	}
	return nil, fmt.Errorf("codec %T: H.264 or H.265 only", tr.Codec)
}

// unit is one sample as a unit at frame time at.
func (f *framer) unit(s *fmp4.Sample, at time.Time) (*media.Unit, error) {
	var au [][]byte
	var err error
	if f.h265 {
		au, err = s.GetH265()
	} else {
		au, err = s.GetH264()
	}
	if err != nil {
		return nil, err
	}
	key := !s.IsNonSyncSample
	if key && !f.hasParams(au) {
		au = append(append([][]byte{}, f.params...), au...)
	}
	size := 0
	for _, n := range au {
		size += len(n)
	}
	return &media.Unit{Format: f.format, AU: au, PTS: at.UnixMilli() * (clockRate / 1000), NTP: at, Key: key, Size: size}, nil
}

// hasParams tells whether a keyframe carries its parameter sets (the hub
// puts them in, so recorded keyframes usually do).
func (f *framer) hasParams(au [][]byte) bool {
	for _, n := range au {
		t := media.NALType(f.h265, n)
		if (f.h265 && t == h265SPS) || (!f.h265 && t == h264SPS) {
			return true
		}
	}
	return false
}
