package decode

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"testing"
)

// TestJPEG checks the snapshot encoder against the decoder's own BGR
// conversion (swscale, which reads the stream's colour description): over
// 8x8 blocks the two agree within a few levels, whatever the range and
// matrix the stream is tagged with (ffmpeg tags the clips; libav reads the
// tags from the SPS).
func TestJPEG(t *testing.T) {
	src := "testsrc2=size=320x240:rate=25:duration=0.2"
	tests := []struct {
		name, codec string
		args        []string
	}{
		{"h264 limited untagged", "h264", nil},
		{"h264 limited bt709", "h264", []string{"-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"}},
		{"h264 full range", "h264", []string{"-color_range", "pc"}},
		{"h265 limited bt709", "h265", []string{"-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"}},
		{"h265 odd size", "h265", []string{"-vf", "crop=317:237:0:0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDecoder(t, tc.codec, Active)
			fs, _ := decodeAll(t, d, units(tc.codec, encode(t, tc.codec, src, tc.args...)))
			f := fs[len(fs)-1]
			b, err := d.JPEG(f)
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("JPEG of %d bytes: %v", len(b), err)
			}
			if r := img.Bounds(); r.Dx() != f.Width || r.Dy() != f.Height {
				t.Fatalf("JPEG %v, picture %dx%d", r, f.Width, f.Height)
			}
			// Compression and chroma siting leave up to about 6 levels at
			// testsrc2's sharp edges; a wrong range or matrix gives 17 to 40.
			if worst := blockDiff(img, f.BGR, f.Width, f.Height); worst > 8 {
				t.Errorf("an 8x8 block differs from the BGR conversion by %.1f levels", worst)
			}
		})
	}
}

// blockDiff is the largest difference of an 8x8 block's mean in any
// channel between img and the packed BGR picture.
func blockDiff(img image.Image, bgr []byte, w, h int) float64 {
	worst := 0.0
	for by := 0; by+8 <= h; by += 8 {
		for bx := 0; bx+8 <= w; bx += 8 {
			var d [3]float64
			for y := by; y < by+8; y++ {
				for x := bx; x < bx+8; x++ {
					r, g, b, _ := img.At(x, y).RGBA()
					p := bgr[(y*w+x)*3:]
					d[0] += float64(b>>8) - float64(p[0])
					d[1] += float64(g>>8) - float64(p[1])
					d[2] += float64(r>>8) - float64(p[2])
				}
			}
			for _, v := range d {
				worst = math.Max(worst, math.Abs(v)/64)
			}
		}
	}
	return worst
}

// TestJPEGRefuses: pictures the encoder cannot take from libav's planes
// are refused with ErrNoJPEG, for the caller to convert another way.
func TestJPEGRefuses(t *testing.T) {
	src := "testsrc2=size=320x240:rate=25:duration=0.2"
	idle := newDecoder(t, "h264", Idle)
	fs, _ := decodeAll(t, idle, units("h264", encode(t, "h264", src)))
	if _, err := idle.JPEG(fs[0]); !errors.Is(err, ErrNoJPEG) {
		t.Errorf("idle picture: %v, want ErrNoJPEG", err)
	}
	active := newDecoder(t, "h264", Active)
	fs, _ = decodeAll(t, active, units("h264", encode(t, "h264", src, "-bf", "0")))
	if _, err := active.JPEG(fs[0]); !errors.Is(err, ErrNoJPEG) {
		t.Errorf("older picture: %v, want ErrNoJPEG", err)
	}
	ten := newDecoder(t, "h265", Active)
	fs, _ = decodeAll(t, ten, units("h265", encode(t, "h265", src, "-pix_fmt", "yuv420p10le")))
	if _, err := ten.JPEG(fs[len(fs)-1]); !errors.Is(err, ErrNoJPEG) {
		t.Errorf("10-bit picture: %v, want ErrNoJPEG", err)
	}
	active.Close()
	if _, err := active.JPEG(fs[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("closed decoder: %v, want ErrClosed", err)
	}
}
