package motion

import (
	"fmt"
	"image"
	"image/color"
	"testing"

	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/clip"
	"github.com/argus-edge/argus/edge/detect/internal/picture"
	"github.com/argus-edge/argus/edge/frame"
)

// walker is the synthetic moving blob: a dark 40x90 px figure crossing a
// 640x360 noisy street 8 px per frame (the simulator's empty scene with
// someone walking through).
func walker(n int) image.Rectangle {
	x := 60 + 8*n
	return image.Rect(x, 200, x+40, 290)
}

func walking(w, h int) *clip.Scene {
	s := clip.Street(w, h, 10)
	s.Draw = func(img *gocv.Mat, n int) {
		if n >= 5 {
			gocv.Rectangle(img, walker(n), color.RGBA{30, 35, 40, 0}, -1)
		}
	}
	return s
}

func newDetector(t testing.TB, s detect.Settings) detect.Detector {
	t.Helper()
	d, err := detect.New(Name, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func iou(a, b detect.Box) float64 {
	x0, y0 := max(a.X, b.X), max(a.Y, b.Y)
	x1, y1 := min(a.X+a.W, b.X+b.W), min(a.Y+a.H, b.Y+b.H)
	if x1 <= x0 || y1 <= y0 {
		return 0
	}
	in := (x1 - x0) * (y1 - y0)
	return in / (a.W*a.H + b.W*b.H - in)
}

// TestMovingBlob runs on full-size frames and on the small picture, as
// edge/decode hands it over.
func TestMovingBlob(t *testing.T) {
	for _, small := range []bool{false, true} {
		t.Run(fmt.Sprintf("small=%v", small), func(t *testing.T) { movingBlob(t, small) })
	}
}

func movingBlob(t *testing.T, small bool) {
	before := matCount()
	d := newDetector(t, detect.Settings{})
	s := walking(640, 360)
	defer s.Close()
	for n := 0; n < 30; n++ {
		f := s.Frame(n)
		if small {
			f = clip.Small(f)
		}
		dets, err := d.Detect(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n < 5 {
			if len(dets) != 0 {
				t.Fatalf("frame %d: motion %v before anything moved", n, dets)
			}
			continue
		}
		want := picture.ToBox(walker(n), 640, 360)
		if len(dets) == 0 || iou(dets[0].Box, want) < 0.5 {
			t.Fatalf("frame %d: got %+v, want one region near %+v", n, dets, want)
		}
		if n == 29 {
			t.Logf("frame %d: %+v (truth %+v, IoU %.2f)", n, dets[0], want, iou(dets[0].Box, want))
		}
	}
	d.Close()
	s.Close()
	if after := matCount(); before >= 0 && after != before {
		t.Errorf("Mats leaked: %d before, %d after", before, after)
	}
}

func TestStaticNoisySceneIsQuiet(t *testing.T) {
	for _, small := range []bool{false, true} {
		d := newDetector(t, detect.Settings{})
		s := clip.Street(1280, 720, 15)
		defer s.Close()
		for n := 0; n < 40; n++ {
			f := s.Frame(n)
			if small {
				f = clip.Small(f)
			}
			if dets, _ := d.Detect(f, nil); len(dets) != 0 {
				t.Fatalf("frame %d (small %v): motion %+v in a static scene", n, small, dets)
			}
		}
	}
}

// TestBrightnessJumpIgnored: lightning (+70 grey levels on every pixel),
// then an IR cut filter switch (contrast x0.55, darker) on a noisy static
// street, then the walker still found.
func TestBrightnessJumpIgnored(t *testing.T) {
	d := newDetector(t, detect.Settings{})
	s := clip.Street(640, 360, 10)
	defer s.Close()
	adjust := func(f *frame.Frame, gain, off float64) *frame.Frame {
		for i, v := range f.Gray {
			f.Gray[i] = byte(max(0, min(255, float64(v)*gain+off)))
		}
		return f
	}
	for n := 0; n < 40; n++ {
		f := s.Frame(n)
		switch {
		case n >= 10 && n < 20:
			f = adjust(f, 1, 70)
		case n >= 20:
			f = adjust(f, 0.55, 10)
		}
		if dets, _ := d.Detect(f, nil); len(dets) != 0 {
			t.Fatalf("frame %d: motion %+v on a global brightness change", n, dets)
		}
	}
	s.Draw = walking(640, 360).Draw
	found := 0
	for n := 40; n < 50; n++ {
		if dets, _ := d.Detect(adjust(s.Frame(n), 0.55, 10), nil); len(dets) > 0 {
			found++
		}
	}
	if found < 8 {
		t.Fatalf("walker after the jumps found in %d of 10 frames", found)
	}
}

// TestMaskHidesRegion: one walker crosses the masked left part of the
// street, another the right part: only the right one is found, in every
// frame, and no region reaches into the mask.
func TestMaskHidesRegion(t *testing.T) {
	// The left walker's whole path (x 60..300 px of 640, y 200..290 of 360).
	left := detect.Polygon{{X: 0, Y: 0.4}, {X: 0.55, Y: 0.4}, {X: 0.55, Y: 0.9}, {X: 0, Y: 0.9}}
	// The right walker goes the other way, x 560..386 px, outside the mask.
	right := func(n int) image.Rectangle {
		x := 560 - 6*n
		return image.Rect(x, 200, x+40, 290)
	}
	d := newDetector(t, detect.Settings{Masks: []detect.Polygon{left}})
	s := walking(640, 360)
	defer s.Close()
	inLeft := s.Draw
	s.Draw = func(img *gocv.Mat, n int) {
		inLeft(img, n)
		if n >= 5 {
			gocv.Rectangle(img, right(n), color.RGBA{30, 35, 40, 0}, -1)
		}
	}
	for n := 0; n < 30; n++ {
		dets, err := d.Detect(s.Frame(n), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range dets {
			if x.Box.X < 0.55 {
				t.Fatalf("frame %d: motion %+v inside the mask", n, x)
			}
		}
		if n < 5 {
			continue
		}
		want := picture.ToBox(right(n), 640, 360)
		if len(dets) != 1 || iou(dets[0].Box, want) < 0.5 {
			t.Fatalf("frame %d: %+v, want the right walker near %+v", n, dets, want)
		}
	}
}

// TestMinAreaAndThreshold: on the noisy street a still grey square
// appears at frame 5 on the ground below the kerb (luma about 61). Whether it is motion
// depends on its size against min_area (fractions of the frame) and on
// its contrast against threshold (luma levels).
func TestMinAreaAndThreshold(t *testing.T) {
	cases := []struct {
		name     string
		settings detect.Settings
		side     int // the square's side, px of 640x360
		contrast int // its luma above the ground
		want     bool
	}{
		// 12 px square: 0.000625 of the frame.
		{"small below default min_area", detect.Settings{}, 12, 60, false},
		{"small above a lower min_area", detect.Settings{MinArea: 0.0004}, 12, 60, true},
		// 40 px square: 0.0069 of the frame.
		{"large above default min_area", detect.Settings{}, 40, 60, true},
		{"large below a higher min_area", detect.Settings{MinArea: 0.01}, 40, 60, false},
		{"contrast over default threshold", detect.Settings{}, 40, 40, true},
		{"contrast under a higher threshold", detect.Settings{Threshold: 60}, 40, 40, false},
		{"faint under default threshold", detect.Settings{}, 40, 15, false},
		{"faint over a lower threshold", detect.Settings{Threshold: 10}, 40, 15, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sq := image.Rect(300, 308, 300+c.side, 308+c.side)
			d := newDetector(t, c.settings)
			s := clip.Street(640, 360, 10)
			defer s.Close()
			v := uint8(61 + c.contrast)
			s.Draw = func(img *gocv.Mat, n int) {
				if n >= 5 {
					gocv.Rectangle(img, sq, color.RGBA{v, v, v, 0}, -1)
				}
			}
			want := picture.ToBox(sq, 640, 360)
			found := false
			for n := 0; n < 8; n++ {
				dets, err := d.Detect(s.Frame(n), nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range dets {
					if n < 5 || iou(x.Box, want) < 0.3 {
						t.Fatalf("frame %d: motion %+v, the square is %+v from frame 5", n, x, want)
					}
					found = true
				}
			}
			if found != c.want {
				t.Fatalf("square found: %v, want %v", found, c.want)
			}
		})
	}
}

func TestBadFramesRefused(t *testing.T) {
	d := newDetector(t, detect.Settings{})
	for _, f := range []*frame.Frame{
		nil, {Width: 0, Height: 10}, {Width: 10, Height: 10, Gray: make([]byte, 99)},
		{Width: 10, Height: 10, Gray: make([]byte, 100), BGR: make([]byte, 10)},
	} {
		if _, err := d.Detect(f, nil); err == nil {
			t.Errorf("frame %+v accepted", f)
		}
	}
	if _, err := New(detect.Settings{Threshold: 300}); err == nil {
		t.Error("threshold 300 accepted")
	}
}

// BenchmarkMotion1080p is one idle-mode 1080p luma frame: downscale to
// 320x180, difference, contours (a walker moving through).
func BenchmarkMotion1080p(b *testing.B) {
	d := newDetector(b, detect.Settings{})
	s := walking(1920, 1080)
	defer s.Close()
	frames := []*frame.Frame{clip.Idle(s.Frame(10)), clip.Idle(s.Frame(14))}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Detect(frames[i%2], nil); err != nil {
			b.Fatal(err)
		}
	}
	ms := float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/frame")
	b.ReportMetric(1000/ms, "cameras/core@1fps")
}
