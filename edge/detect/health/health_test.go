package health

import (
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/clip"
	"github.com/argus-edge/argus/edge/frame"
)

func newDetector(t testing.TB) detect.Detector {
	t.Helper()
	d, err := detect.New(Name, detect.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// at returns f stamped at time t, in idle mode (luma only).
func at(f *frame.Frame, t time.Time) *frame.Frame {
	g := *clip.Idle(f)
	g.Time = t
	return &g
}

// kinds runs frames through d and returns, per frame, the kinds reported.
func kinds(t *testing.T, d detect.Detector, frames []*frame.Frame) [][]string {
	t.Helper()
	out := make([][]string, len(frames))
	for i, f := range frames {
		dets, err := d.Detect(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range dets {
			if x.Box != whole {
				t.Fatalf("box %+v", x.Box)
			}
			out[i] = append(out[i], x.Kind)
		}
	}
	return out
}

// TestNormalScenesQuiet: the simulator-like noisy static street (15 s at
// 5 fps) and 10 s of real pedestrians (vtest, 10 fps) raise nothing.
func TestNormalScenesQuiet(t *testing.T) {
	before := matCount()
	d := newDetector(t)
	s := clip.Street(640, 360, 5)
	var frames []*frame.Frame
	for n := 0; n < 75; n++ {
		frames = append(frames, clip.Idle(s.Frame(n)))
	}
	s.Close()
	for i, k := range kinds(t, d, frames) {
		if len(k) > 0 {
			t.Fatalf("street frame %d: %v", i, k)
		}
	}
	d.Close()
	if after := matCount(); before >= 0 && after != before {
		t.Errorf("Mats leaked: %d before, %d after", before, after)
	}
	if p := clip.VTestPath(); p != "" {
		d := newDetector(t)
		vt, err := clip.Decode(p, 0, 100, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range kinds(t, d, vt) {
			if len(k) > 0 {
				t.Fatalf("vtest frame %d: %v", i, k)
			}
		}
	}
}

// TestBlackIsCovered: a street, then the lens covered (black with σ 2
// noise, like the simulator's chemplant-black camera) for 4 s at 5 fps:
// covered from 2 s on, not before.
func TestBlackIsCovered(t *testing.T) {
	d := newDetector(t)
	s := clip.Street(640, 360, 5)
	defer s.Close()
	black := &clip.Scene{W: 640, H: 360, FPS: 5, Noise: 2, Draw: func(img *gocv.Mat, _ int) {
		img.SetTo(gocv.NewScalar(0, 0, 0, 0))
	}}
	defer black.Close()
	var frames []*frame.Frame
	for n := 0; n < 10; n++ {
		frames = append(frames, s.Frame(n))
	}
	for n := 10; n < 30; n++ {
		frames = append(frames, black.Frame(n))
	}
	got := kinds(t, d, frames)
	for i, k := range got {
		covered := len(k) == 1 && k[0] == detect.CameraCovered
		if want := i >= 20; covered != want {
			t.Fatalf("frame %d (%.1f s black): %v", i, float64(i-10)/5, k)
		}
	}
}

// TestIdenticalFramesFrozen: one noisy frame delivered again and again
// (a stuck encoder) at 5 fps: frozen from 10 s on; a live feed after it
// clears at once.
func TestIdenticalFramesFrozen(t *testing.T) {
	d := newDetector(t)
	s := clip.Street(640, 360, 5)
	defer s.Close()
	still := s.Frame(0)
	var frames []*frame.Frame
	for n := 0; n < 60; n++ {
		frames = append(frames, at(still, s.Time(n)))
	}
	frames = append(frames, s.Frame(60), s.Frame(61))
	got := kinds(t, d, frames)
	for i, k := range got {
		frozen := len(k) == 1 && k[0] == detect.CameraFrozen
		// Frame 1 is the first repeat: 10 s later is frame 51.
		if want := i >= 51 && i < 60; frozen != want {
			t.Fatalf("frame %d: %v", i, k)
		}
	}
}

// TestMaskedClockFrozen: a stuck encoder's frame repeated for 12 s at
// 5 fps, with an on-screen clock in the top-left corner that the overlay
// keeps updating. The clock keeps the feed alive unless masked; masked,
// the feed is frozen from 10 s on.
func TestMaskedClockFrozen(t *testing.T) {
	clock := detect.Polygon{{X: 0, Y: 0}, {X: 0.2, Y: 0}, {X: 0.2, Y: 0.1}, {X: 0, Y: 0.1}}
	s := clip.Street(640, 360, 5)
	defer s.Close()
	still := s.Frame(0)
	var frames []*frame.Frame
	for n := 0; n < 60; n++ {
		f := at(still, s.Time(n))
		f.Gray = append([]byte(nil), f.Gray...)
		for y := 8; y < 28; y++ { // the clock's digits: 100x20 px changing every frame
			for x := 8; x < 108; x++ {
				f.Gray[y*f.Width+x] = byte(40 + (n*37+x/10)%180)
			}
		}
		frames = append(frames, f)
	}
	cases := []struct {
		name  string
		masks []detect.Polygon
		from  int // first frame reported frozen; -1 for never
	}{
		{"clock not masked", nil, -1},
		// Frame 1 is the first repeat outside the clock: 10 s later is frame 51.
		{"clock masked", []detect.Polygon{clock}, 51},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := detect.New(Name, detect.Settings{Masks: c.masks})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			for i, k := range kinds(t, d, frames) {
				frozen := len(k) == 1 && k[0] == detect.CameraFrozen
				if want := c.from >= 0 && i >= c.from; frozen != want || len(k) > 1 {
					t.Fatalf("frame %d: %v, want frozen %v", i, k, want)
				}
			}
		})
	}
}

// TestSceneCutTampered: 6 s of real pedestrians, then the camera turned
// (the same footage upside down and mirrored) for 9 s: tampered after
// 5 s of the new view. A lightning-like brightness jump is not tampering.
func TestSceneCutTampered(t *testing.T) {
	p := clip.VTestPath()
	if p == "" {
		t.Fatal("no vtest.avi: make deps extracts it (make vtest)")
	}
	vt, err := clip.Decode(p, 0, 150, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	var frames []*frame.Frame
	for i, f := range vt {
		g := clip.Idle(f)
		if i >= 60 {
			g = turned(g)
		} else if i >= 30 && i < 40 {
			g = brighter(g, 60)
		}
		frames = append(frames, g)
	}
	d := newDetector(t)
	got := kinds(t, d, frames)
	first := -1
	for i, k := range got {
		tampered := len(k) == 1 && k[0] == detect.CameraTampered
		if tampered && first < 0 {
			first = i
		}
		if tampered != (i >= 110) {
			t.Fatalf("frame %d: %v (turned at 60, 10 fps)", i, k)
		}
	}
	t.Logf("tampered from frame %d (camera turned at frame 60, 10 fps)", first)
}

// turned is f rotated by 180 degrees.
func turned(f *frame.Frame) *frame.Frame {
	g := *f
	g.Gray = make([]byte, len(f.Gray))
	for i, v := range f.Gray {
		g.Gray[len(f.Gray)-1-i] = v
	}
	return &g
}

func brighter(f *frame.Frame, by int) *frame.Frame {
	g := *f
	g.Gray = make([]byte, len(f.Gray))
	for i, v := range f.Gray {
		g.Gray[i] = byte(min(255, int(v)+by))
	}
	return &g
}

// BenchmarkHealth1080p is one idle-mode 1080p luma frame.
func BenchmarkHealth1080p(b *testing.B) {
	d := newDetector(b)
	s := clip.Street(1920, 1080, 1)
	defer s.Close()
	frames := []*frame.Frame{clip.Idle(s.Frame(0)), clip.Idle(s.Frame(1))}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := at(frames[i%2], s.Time(i))
		if _, err := d.Detect(f, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}
