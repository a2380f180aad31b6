package record

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
)

// TestFragmentLikeMediacommon: a fragment laid out by hand is byte for
// byte what mediacommon's fmp4.Part.Marshal writes for the same samples
// (keyframes alone, with non-sync frames, with presentation offsets, one
// negative), and writeAll puts it in the file whole, one writev or, past
// the iovec bound, one copied write.
func TestFragmentLikeMediacommon(t *testing.T) {
	nal := func(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }
	for _, tc := range []struct {
		name    string
		samples []sample
	}{
		{"key", []sample{{au: [][]byte{nal(10, 0x67), nal(4, 0x68), nal(3000, 0x65)}, duration: 3600}}},
		{"gop", []sample{{au: [][]byte{nal(900, 0x65)}, duration: 3600}, {au: [][]byte{nal(200, 0x41)}, duration: 3600, nonSync: true},
			{au: [][]byte{nal(1, 0x41), nal(70, 0x41)}, duration: 1, nonSync: true}}},
		{"bframes", []sample{{au: [][]byte{nal(900, 0x65)}, duration: 3000}, {au: [][]byte{nal(300, 0x41)}, duration: 3000, offset: 6000, nonSync: true},
			{au: [][]byte{nal(100, 0x01)}, duration: 3000, offset: -3000, nonSync: true}}},
		{"many", func() (s []sample) {
			for range 600 {
				s = append(s, sample{au: [][]byte{nal(5, 0x41)}, duration: 3600, nonSync: true})
			}
			return s
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt := &fmp4.PartTrack{ID: 1, BaseTime: 123456789}
			for _, s := range tc.samples {
				avcc, err := h264.AVCC(s.au).Marshal()
				if err != nil {
					t.Fatal(err)
				}
				pt.Samples = append(pt.Samples, &fmp4.Sample{Duration: s.duration, PTSOffset: s.offset, IsNonSyncSample: s.nonSync, Payload: avcc})
			}
			var want seekablebuffer.Buffer
			if err := (&fmp4.Part{SequenceNumber: 7, Tracks: []*fmp4.PartTrack{pt}}).Marshal(&want); err != nil {
				t.Fatal(err)
			}
			var fr fragmenter
			path := filepath.Join(t.TempDir(), "f")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			var scratch []byte
			n, err := writeAll(f, fr.layout(7, 123456789, tc.samples), &scratch)
			f.Close()
			got, _ := os.ReadFile(path)
			if err != nil || n != len(got) || !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("wrote %d bytes (%v), file %d bytes; mediacommon's %d bytes; equal %v", n, err, len(got), want.Len(), bytes.Equal(got, want.Bytes()))
			}
		})
	}
}
