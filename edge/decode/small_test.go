package decode

import (
	"math/rand/v2"
	"testing"

	"github.com/argus-edge/argus/edge/frame"
)

// boxRef is argus_box written plainly: the average of each k×k block,
// rounded.
func boxRef(p []byte, w, h, ch, k int) []byte {
	sw, sh := w/k, h/k
	out := make([]byte, sw*sh*ch)
	for y := range sh {
		for x := range sw {
			for c := range ch {
				s := 0
				for dy := range k {
					for dx := range k {
						s += int(p[((y*k+dy)*w+x*k+dx)*ch+c])
					}
				}
				out[(y*sw+x)*ch+c] = byte((s + k*k/2) / (k * k))
			}
		}
	}
	return out
}

// TestSmall checks the small picture against an average of the full-size
// planes, for the path from libav's 4:2:0 planes (1280x720 and 1920x1080, scales 4 and 6) and
// the fallbacks (an odd scale, 4:4:4, 10 bits), and that leaving out the
// full BGR changes nothing else and Colour brings it back identical.
func TestSmall(t *testing.T) {
	cases := []struct {
		name, codec, src string
		args             []string
		w, h, k          int
	}{
		{"420", "h264", "testsrc=size=1280x720:rate=25:duration=0.12", nil, 1280, 720, 4},
		{"1080p", "h264", "testsrc=size=1920x1080:rate=25:duration=0.08", nil, 1920, 1080, 6},
		{"odd-scale", "h264", "testsrc=size=960x540:rate=25:duration=0.12", nil, 960, 540, 3},
		{"444", "h264", "testsrc=size=640x360:rate=25:duration=0.12", []string{"-pix_fmt", "yuv444p"}, 640, 360, 2},
		{"10bit", "h265", "testsrc=size=640x360:rate=25:duration=0.12", []string{"-pix_fmt", "yuv420p10le"}, 640, 360, 2},
		{"tiny", "h264", "testsrc=size=320x240:rate=25:duration=0.12", nil, 320, 240, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			us := units(c.codec, encode(t, c.codec, c.src, append([]string{"-bf", "0"}, c.args...)...))
			full, _ := decodeAll(t, newDecoder(t, c.codec, Active), us)
			d := newDecoder(t, c.codec, Active)
			d.SetFullBGR(false)
			part, _ := decodeAll(t, d, us)
			if len(full) == 0 || len(part) != len(full) {
				t.Fatalf("%d and %d frames", len(full), len(part))
			}
			sw, sh := c.w/c.k, c.h/c.k
			for i, f := range full {
				s := f.Small
				if s.Scale != c.k || s.Width != sw || s.Height != sh || len(s.Gray) != sw*sh || len(s.BGR) != sw*sh*3 {
					t.Fatalf("frame %d: small %dx%d scale %d gray %d bgr %d, want %dx%d scale %d",
						i, s.Width, s.Height, s.Scale, len(s.Gray), len(s.BGR), sw, sh, c.k)
				}
				if string(s.Gray) != string(boxRef(f.Gray, c.w, c.h, 1, c.k)) {
					t.Fatalf("frame %d: small luma is not the block average of the luma", i)
				}
				// From 4:2:0 planes the colour is converted after
				// averaging, not before: a level or two apart.
				if mad, worst := diff(s.BGR, boxRef(f.BGR, c.w, c.h, 3, c.k)); mad > 1.5 || worst > 24 {
					t.Errorf("frame %d: small BGR differs from the averaged full BGR by %.2f on average, %d at most", i, mad, worst)
				}
				p := part[i]
				if p.BGR != nil || string(p.Small.BGR) != string(s.BGR) || string(p.Small.Gray) != string(s.Gray) {
					t.Fatalf("frame %d without full BGR: bgr %d, small differs", i, len(p.BGR))
				}
			}
			last := part[len(part)-1]
			if err := d.Colour(last); err != nil || string(last.BGR) != string(full[len(full)-1].BGR) {
				t.Errorf("Colour: %v, or not the full picture", err)
			}
			if len(part) > 1 {
				if err := d.Colour(part[0]); err == nil || part[0].BGR != nil {
					t.Error("Colour of an older picture did not fail")
				}
			}
		})
	}
}

func TestSmallIdle(t *testing.T) {
	us := units("h264", encode(t, "h264", "testsrc=size=1280x720:rate=25:duration=0.12"))
	fs, _ := decodeAll(t, newDecoder(t, "h264", Idle), us)
	if len(fs) != 1 {
		t.Fatalf("%d frames", len(fs))
	}
	s := fs[0].Small
	if s.Width != 320 || s.Height != 180 || len(s.Gray) != 320*180 || s.BGR != nil {
		t.Fatalf("idle small %dx%d gray %d bgr %d, want 320x180 luma only", s.Width, s.Height, len(s.Gray), len(s.BGR))
	}
	if err := newDecoder(t, "h264", Idle).Colour(fs[0]); err == nil {
		t.Error("Colour of an idle picture did not fail")
	}
}

// TestSliver: a picture narrower than a block (8x4000: blocks of 13) has
// no small picture, and no panic.
func TestSliver(t *testing.T) {
	us := units("h264", encode(t, "h264", "testsrc=size=8x4000:rate=25:duration=0.08", "-bf", "0"))
	fs, _ := decodeAll(t, newDecoder(t, "h264", Active), us)
	if len(fs) == 0 {
		t.Fatalf("no frames from %d units", len(us))
	}
	if f := fs[0]; f.Width != 8 || f.Small.Gray != nil || f.Small.BGR != nil || len(f.BGR) != 8*4000*3 {
		t.Fatalf("%dx%d: small %dx%d, gray %d, bgr %d", f.Width, f.Height, f.Small.Width, f.Small.Height, len(f.Small.Gray), len(f.BGR))
	}
}

func TestSmallScale(t *testing.T) {
	for _, c := range []struct{ w, h, k int }{
		{1920, 1080, 6}, {1280, 720, 4}, {768, 576, 3}, {320, 240, 1}, {100, 50, 1}, {1080, 1920, 6}, {3840, 2160, 12}, {321, 10, 2},
	} {
		if k := frame.SmallScale(c.w, c.h); k != c.k {
			t.Errorf("SmallScale(%d, %d) = %d, want %d", c.w, c.h, k, c.k)
		}
	}
}

// diff is the mean and largest absolute difference of two equal-length
// byte slices.
func diff(a, b []byte) (float64, int) {
	sum, worst := 0, 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		d = max(d, -d)
		sum += d
		worst = max(worst, d)
	}
	return float64(sum) / float64(max(1, len(a))), worst
}

// TestBox compares argus_box with boxRef on noise, for every scale the
// small picture uses (specialised or not), widths and heights that leave
// edges out, and one and three channels.
func TestBox(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ch := range []int{1, 3} {
		for k := 1; k <= 13; k++ {
			for _, sz := range [][2]int{{k, k}, {5*k + k - 1, 3*k + 1}, {64*k + 3, 2 * k}} {
				w, h := sz[0], sz[1]
				src := make([]byte, w*h*ch)
				for i := range src {
					src[i] = byte(rng.IntN(256))
				}
				if k%2 == 0 { // extremes, where rounding and overflow show
					for i := range src[:len(src)/2] {
						src[i] = 255
					}
				}
				dst := make([]byte, (w/k)*(h/k)*ch)
				box(src, w, h, ch, k, dst)
				if want := boxRef(src, w, h, ch, k); string(dst) != string(want) {
					t.Fatalf("ch %d k %d %dx%d: argus_box differs from the plain average", ch, k, w, h)
				}
			}
		}
	}
}

// BenchmarkBox reports the block average of one luma or chroma plane at
// the scales the small picture uses: 720p (luma 4, chroma 2) and 1080p
// (6 and 3).
func BenchmarkBox(b *testing.B) {
	for _, c := range []struct {
		name    string
		w, h, k int
	}{
		{"720p-luma", 1280, 720, 4}, {"720p-chroma", 640, 360, 2},
		{"1080p-luma", 1920, 1080, 6}, {"1080p-chroma", 960, 540, 3},
	} {
		b.Run(c.name, func(b *testing.B) {
			src := make([]byte, c.w*c.h)
			for i := range src {
				src[i] = byte(i * 7)
			}
			dst := make([]byte, (c.w/c.k)*(c.h/c.k))
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				box(src, c.w, c.h, 1, c.k, dst)
			}
		})
	}
}
