package decode

import (
	"bytes"
	"testing"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/frame"
)

// FuzzDecode feeds arbitrary bytes, cut on start codes, to both decoders as
// a keyframe and as a P-frame, then checks that the decoder still decodes a
// good keyframe. Seeds are real frames of both codecs.
func FuzzDecode(f *testing.F) {
	good := map[bool]*media.Unit{}
	for _, hevc := range []bool{false, true} {
		codec := codecName(hevc)
		us := units(codec, encode(f, codec, "testsrc=size=64x48:rate=25:duration=0.2", "-g", "3", "-bf", "0"))
		good[hevc] = us[0]
		for _, u := range us[:2] {
			f.Add(hevc, annexB(u.AU))
		}
	}
	f.Fuzz(func(t *testing.T, hevc bool, data []byte) {
		d, err := New("fuzz", codecName(hevc))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		d.SetMode(Active)
		au := splitNALUs(data)
		for _, key := range []bool{true, false} {
			fr, err := d.Decode(&media.Unit{Format: good[hevc].Format, AU: au, Key: key})
			checkFrame(t, fr, err, codecName(hevc))
		}
		d.SetMode(Idle)
		fr, err := d.Decode(good[hevc])
		if fr == nil || err != nil || fr.Width != 64 || fr.Height != 48 {
			t.Fatalf("good keyframe after fuzz: frame %v err %v", fr, err)
		}
	})
}

func checkFrame(t *testing.T, f *frame.Frame, err error, codec string) {
	t.Helper()
	if err != nil && !bytes.HasPrefix([]byte(err.Error()), []byte("decode "+codec+": ")) {
		t.Fatalf("error without context: %v", err)
	}
	if f == nil {
		return
	}
	if f.Width <= 0 || f.Height <= 0 || f.Width > MaxSide || f.Height > MaxSide ||
		len(f.Gray) != f.Width*f.Height || len(f.BGR) != 3*len(f.Gray) {
		t.Fatalf("frame %dx%d gray %d bgr %d", f.Width, f.Height, len(f.Gray), len(f.BGR))
	}
}

func codecName(hevc bool) string {
	if hevc {
		return "h265"
	}
	return "h264"
}

func annexB(au [][]byte) []byte {
	var b []byte
	for _, n := range au {
		b = append(append(b, 0, 0, 0, 1), n...)
	}
	return b
}
