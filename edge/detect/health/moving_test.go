package health

import (
	"math"
	"testing"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/clip"
	"github.com/argus-edge/argus/edge/frame"
)

// Views made from OpenCV's vtest.avi (real pedestrians on a street,
// 768x576, 10 fps), luma only as in idle mode: a camera panning over it
// (a 480x360 window moved across it), the light changing, a large car
// coming in front and leaving. Simulated: the camera's motion and the
// car, by cutting and painting the real frames.

// window cuts a w x h window at (x, y) out of f's luma.
func window(f *frame.Frame, x, y, w, h int) *frame.Frame {
	g := *clip.Idle(f)
	g.Width, g.Height = w, h
	g.Gray = make([]byte, w*h)
	for r := 0; r < h; r++ {
		copy(g.Gray[r*w:(r+1)*w], f.Gray[(y+r)*f.Width+x:(y+r)*f.Width+x+w])
	}
	return &g
}

// scale multiplies f's luma by k.
func scale(f *frame.Frame, k float64) *frame.Frame {
	g := *f
	g.Gray = make([]byte, len(f.Gray))
	for i, v := range f.Gray {
		g.Gray[i] = byte(math.Min(255, float64(v)*k))
	}
	return &g
}

// paint fills a rectangle of f's luma with v (a car, a bus).
func paint(f *frame.Frame, x0, y0, x1, y1 int, v byte) *frame.Frame {
	g := *f
	g.Gray = append([]byte(nil), f.Gray...)
	for y := max(0, y0); y < min(f.Height, y1); y++ {
		for x := max(0, x0); x < min(f.Width, x1); x++ {
			g.Gray[y*f.Width+x] = v
		}
	}
	return &g
}

func vtest(t *testing.T, n int) []*frame.Frame {
	t.Helper()
	p := clip.VTestPath()
	if p == "" {
		t.Fatal("no vtest.avi: make deps extracts it")
	}
	vt, err := clip.Decode(p, 0, n, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	return vt
}

// pan is frame i seen by a handheld camera: a window swept across the
// picture and back every 12 s, shaking up and down every 3 s.
func pan(f *frame.Frame, i int) *frame.Frame {
	t := float64(i) / 10
	x := 144 + int(144*math.Sin(2*math.Pi*t/12))
	y := 108 + int(20*math.Sin(2*math.Pi*t/3))
	return window(f, x, y, 480, 360)
}

// TestNotTampered: views that change but are not tampered with raise
// nothing: a handheld camera panning for 30 s (undeclared: it is seen
// moving), then resting for 20 s on a view of its own; the light
// stepping up by half and back every 4 s; a van-sized block parking in
// front for 3 s, leaving, coming back.
func TestNotTampered(t *testing.T) {
	vt := vtest(t, 500)
	cases := []struct {
		name string
		view func(i int) *frame.Frame
	}{
		{"handheld pan, then rest", func(i int) *frame.Frame {
			if i >= 300 {
				return window(vt[i], 10, 10, 480, 360)
			}
			return pan(vt[i], i)
		}},
		{"light steps", func(i int) *frame.Frame {
			if (i/40)%2 == 1 {
				return scale(clip.Idle(vt[i]), 1.5)
			}
			return clip.Idle(vt[i])
		}},
		{"car in front, leaves", func(i int) *frame.Frame {
			if k := i % 60; k >= 20 && k < 50 {
				return paint(clip.Idle(vt[i]), 100+(k-20)*4, 200, 600+(k-20)*4, 576, 70)
			}
			return clip.Idle(vt[i])
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDetector(t)
			for i := range vt {
				dets, err := d.Detect(c.view(i), nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(dets) > 0 {
					t.Fatalf("frame %d (%.1f s): %+v", i, float64(i)/10, dets)
				}
			}
		})
	}
}

// TestMovingCamera: a camera declared moving (a drone, a PTZ, a
// handheld) is never tampered: turned at 6 s and left so, it raises
// nothing. Covered at 12 s (black), it is covered 2 s later.
func TestMovingCamera(t *testing.T) {
	vt := vtest(t, 200)
	d, err := New(detect.Settings{Moving: true}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	first := -1
	for i, f := range vt {
		g := clip.Idle(f)
		switch {
		case i >= 120:
			g = scale(g, 0)
		case i >= 60:
			g = turned(g)
		}
		dets, err := d.Detect(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		covered := len(dets) == 1 && dets[0].Kind == detect.CameraCovered
		if covered && first < 0 {
			first = i
		}
		if len(dets) > 0 && (!covered || i < 140) {
			t.Fatalf("frame %d: %+v", i, dets)
		}
	}
	if first < 0 || first > 145 {
		t.Fatalf("black from frame 120: covered from %d", first)
	}
}

// TestTurnedAfterResting: a fixed camera is turned by a hand (2 s of
// sweeping), and stays on its new view: tampered 5 s after it came to
// rest, and still so 10 s later.
func TestTurnedAfterResting(t *testing.T) {
	vt := vtest(t, 300)
	d := newDetector(t)
	first, last := -1, -1
	for i, f := range vt {
		var g *frame.Frame
		switch {
		case i < 80:
			g = window(f, 0, 0, 480, 360)
		case i < 100: // the hand turns it
			k := (i - 80) * 14
			g = window(f, k, k*216/288, 480, 360)
		default:
			g = window(f, 288, 216, 480, 360)
		}
		dets, err := d.Detect(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		tampered := len(dets) == 1 && dets[0].Kind == detect.CameraTampered
		if tampered && first < 0 {
			first = i
		}
		if tampered {
			last = i
		}
		if len(dets) > 0 && !tampered {
			t.Fatalf("frame %d: %+v", i, dets)
		}
	}
	if first < 100+50 || first > 100+55 || last != len(vt)-1 {
		t.Fatalf("tampered from frame %d to %d (at rest from 100, 10 fps)", first, last)
	}
	t.Logf("tampered %.1f s after the camera came to rest", float64(first-100)/10)
}

// TestIdleRateTampered: in idle mode at 1 frame a second, people
// walking through vtest's street change much of the picture between two
// frames, yet the camera is not taken as moving: turned at 40 s, it is
// tampered 5 s later, and not before.
func TestIdleRateTampered(t *testing.T) {
	p := clip.VTestPath()
	if p == "" {
		t.Fatal("no vtest.avi: make deps extracts it")
	}
	vt, err := clip.Decode(p, 0, 80, 10, 10) // every 10th frame: 1 fps
	if err != nil {
		t.Fatal(err)
	}
	var frames []*frame.Frame
	for i, f := range vt {
		g := clip.Idle(f)
		if i >= 40 {
			g = turned(g)
		}
		frames = append(frames, g)
	}
	for i, k := range kinds(t, newDetector(t), frames) {
		tampered := len(k) == 1 && k[0] == detect.CameraTampered
		if tampered != (i >= 45) || (len(k) > 0 && !tampered) {
			t.Fatalf("frame %d (1 fps, turned at 40): %v", i, k)
		}
	}
}
