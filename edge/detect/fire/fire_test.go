package fire

import (
	"image"
	"image/color"
	"math"
	"sort"
	"testing"

	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/clip"
	"github.com/argus-edge/argus/edge/frame"
)

func newDetector(t testing.TB, name string) detect.Detector {
	t.Helper()
	d, err := detect.New(name, detect.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// flameBox is where the synthetic flame stands in a 640x360 frame.
var flameBox = detect.Box{X: 370.0 / 640, Y: 200.0 / 360, W: 60.0 / 640, H: 110.0 / 360}

// flickering draws a flame like the simulator's hillside-fire: an orange
// body with a yellow core, base at y=310, whose height and width flicker
// with sines of time (9 and 17 rad/s) and a little randomness, from 3 s
// (frame 45 at 15 fps) on.
func flickering(img *gocv.Mat, n int) {
	if n >= 45 {
		flameAt(img, n, 1)
	}
}

// flameAt draws flickering's flame at frame n, its size times scale.
func flameAt(img *gocv.Mat, n int, scale float64) {
	t := float64(n) / 15
	h := scale * 80 * (0.8 + 0.2*math.Sin(9*t) + 0.1*math.Sin(23*t))
	w := scale * 28 * (0.75 + 0.25*math.Sin(17*t))
	c := image.Pt(400, 310-int(h/2))
	gocv.Ellipse(img, c, image.Pt(int(w), int(h/2)), 0, 0, 360, color.RGBA{255, 110, 20, 0}, -1)
	gocv.Ellipse(img, image.Pt(400, 310-int(h/4)), image.Pt(int(w/2), int(h/4)), 0, 0, 360, color.RGBA{255, 210, 40, 0}, -1)
}

// static draws an orange square (a sign, a parked fire engine): flame
// coloured, never flickering.
func static(img *gocv.Mat, n int) {
	gocv.Rectangle(img, image.Rect(370, 220, 430, 300), color.RGBA{255, 110, 20, 0}, -1)
}

func run(t *testing.T, d detect.Detector, s *clip.Scene, frames int) [][]detect.Detection {
	t.Helper()
	out := make([][]detect.Detection, frames)
	for n := 0; n < frames; n++ {
		dets, err := d.Detect(s.Frame(n), nil)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = dets
	}
	return out
}

func overlaps(a, b detect.Box) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// TestFlickerIsFire: a flickering flame on the noisy street at 15 fps is
// found within 2 s of its start, where it is, in every later frame.
func TestFlickerIsFire(t *testing.T) {
	before := matCount()
	d := newDetector(t, FireName)
	s := clip.Street(640, 360, 15)
	s.Draw = flickering
	got := run(t, d, s, 120)
	s.Close()
	first := -1
	for n, dets := range got {
		if n < 45 && len(dets) > 0 {
			t.Fatalf("frame %d: fire %+v before the flame", n, dets)
		}
		if len(dets) > 0 && first < 0 {
			first = n
		}
		if first >= 0 && (len(dets) != 1 || !overlaps(dets[0].Box, flameBox)) {
			t.Fatalf("frame %d: %+v, want one fire at %+v", n, dets, flameBox)
		}
	}
	if first < 0 || first > 45+30 {
		t.Fatalf("fire first found at frame %d (flame from 45, 15 fps)", first)
	}
	t.Logf("fire found %.1f s after the flame appeared: %+v", float64(first-45)/15, got[len(got)-1][0])
	d.Close()
	if after := matCount(); before >= 0 && after != before {
		t.Errorf("Mats leaked: %d before, %d after", before, after)
	}
}

// TestGrowthMovesScore: the same flickering flame, drawn steady, growing
// (its size from 0.4 to 1.2 times over 4 s), dying down (from 1.2 to 0.2
// times over 4 s) and put out at once. Growth enters the score: a
// spreading flame scores 0.9 or more, above the steady one, a dying one
// below; a flame put out stops being fire within a quarter of the window,
// where its persisting core alone would keep it for half.
func TestGrowthMovesScore(t *testing.T) {
	const out = 90 // the frame where the put-out flame is gone
	cases := []struct {
		name     string
		scale    func(n int) float64
		from, to int // frames whose median score is compared
	}{
		{"steady", func(int) float64 { return 1 }, 90, 150},
		{"growing", func(n int) float64 { return 0.4 + 0.8*min(1, float64(n-45)/60) }, 65, 105},
		{"dying", func(n int) float64 { return 1.2 - min(1, max(0, float64(n-75)/60)) }, 85, 115},
		{"put out", func(n int) float64 {
			if n < out {
				return 1
			}
			return 0
		}, 60, out},
	}
	medians := map[string]float64{}
	for _, c := range cases {
		d := newDetector(t, FireName)
		s := clip.Street(640, 360, 15)
		s.Draw = func(img *gocv.Mat, n int) {
			if k := c.scale(n); n >= 45 && k > 0 {
				flameAt(img, n, k)
			}
		}
		got := run(t, d, s, 150)
		s.Close()
		var scores []float64
		for _, dets := range got[c.from:c.to] {
			sc := 0.0 // a frame without fire scores 0
			for _, x := range dets {
				sc = max(sc, x.Score)
			}
			scores = append(scores, sc)
		}
		sort.Float64s(scores)
		medians[c.name] = scores[len(scores)/2]
		t.Logf("%s: median score %.2f over frames %d-%d", c.name, medians[c.name], c.from, c.to)
		if c.name == "put out" {
			for n := out + Window/4; n < len(got); n++ {
				if len(got[n]) > 0 {
					t.Errorf("frame %d: fire %+v, %d frames after the flame was put out", n, got[n], n-out)
				}
			}
		}
	}
	// A rule's min_score of 0.9 passes the spreading flame, not the steady one.
	if s := medians["steady"]; s < 0.6 || s >= 0.9 {
		t.Errorf("steady flame's median score %.2f, want 0.6 to 0.9", s)
	}
	if g := medians["growing"]; g < 0.9 || g < medians["steady"]+0.05 {
		t.Errorf("growing flame's median score %.2f, want at least 0.9 and above the steady one's %.2f", g, medians["steady"])
	}
	if medians["dying"] > medians["steady"]-0.1 {
		t.Errorf("dying flame's median score %.2f, not below the steady one's %.2f", medians["dying"], medians["steady"])
	}
}

func TestStaticOrangeIsNotFire(t *testing.T) {
	d := newDetector(t, FireName)
	s := clip.Street(640, 360, 15)
	s.Draw = static
	defer s.Close()
	for n, dets := range run(t, d, s, 80) {
		if len(dets) > 0 {
			t.Fatalf("frame %d: fire %+v on a static orange square", n, dets)
		}
	}
}

func TestEmptySceneNothing(t *testing.T) {
	for _, name := range []string{FireName, SmokeName} {
		d := newDetector(t, name)
		s := clip.Street(640, 360, 10)
		for n, dets := range run(t, d, s, 80) {
			if len(dets) > 0 {
				t.Fatalf("%s: frame %d: %+v in the empty scene", name, n, dets)
			}
		}
		s.Close()
	}
}

// TestIdleFramesGiveNothing: without BGR both return nothing, no error.
func TestIdleFramesGiveNothing(t *testing.T) {
	s := clip.Street(640, 360, 15)
	s.Draw = flickering
	defer s.Close()
	for _, name := range []string{FireName, SmokeName} {
		d := newDetector(t, name)
		for n := 0; n < 80; n++ {
			dets, err := d.Detect(clip.Idle(s.Frame(n)), nil)
			if err != nil || len(dets) > 0 {
				t.Fatalf("%s: idle frame %d: %v %v", name, n, dets, err)
			}
		}
	}
}

// plume blends a blurred grey plume (like the simulator's hillside-smoke)
// rising from y=300 at x=200: its top climbs 170 px over 8 s from 2 s on
// (5 fps), swaying a little.
func plume(img *gocv.Mat, n int) {
	if n < 10 {
		return
	}
	h := 20 + 170*math.Min(float64(n-10)/40, 1)
	sway := int(6 * math.Sin(float64(n)/3))
	alpha := gocv.NewMatWithSize(img.Rows(), img.Cols(), gocv.MatTypeCV8U)
	defer alpha.Close()
	gocv.Ellipse(&alpha, image.Pt(200+sway, 300-int(h/2)), image.Pt(int(12+h/5), int(h/2)), 0, 0, 360, color.RGBA{190, 190, 190, 0}, -1)
	gocv.GaussianBlur(alpha, &alpha, image.Pt(21, 21), 0, 0, gocv.BorderReplicate)
	blend(img, alpha, 172)
}

// greyVan is a grey box that appears at 2 s and stays: grey and smooth,
// but it neither rises nor grows.
func greyVan(img *gocv.Mat, n int) {
	if n < 10 {
		return
	}
	alpha := gocv.NewMatWithSize(img.Rows(), img.Cols(), gocv.MatTypeCV8U)
	defer alpha.Close()
	gocv.Rectangle(&alpha, image.Rect(150, 230, 260, 300), color.RGBA{230, 230, 230, 0}, -1)
	gocv.GaussianBlur(alpha, &alpha, image.Pt(9, 9), 0, 0, gocv.BorderReplicate)
	blend(img, alpha, 170)
}

// blend paints grey v over img with alpha (0..255) per pixel.
func blend(img *gocv.Mat, alpha gocv.Mat, v float64) {
	px, _ := img.DataPtrUint8()
	a, _ := alpha.DataPtrUint8()
	for i, al := range a {
		f := float64(al) / 255
		for c := 0; c < 3; c++ {
			px[3*i+c] = uint8(float64(px[3*i+c])*(1-f) + v*f)
		}
	}
}

var plumeBox = detect.Box{X: 150.0 / 640, Y: 110.0 / 360, W: 100.0 / 640, H: 190.0 / 360}

// TestRisingPlumeIsSmoke: found while it rises, where it is.
func TestRisingPlumeIsSmoke(t *testing.T) {
	before := matCount()
	d := newDetector(t, SmokeName)
	s := clip.Street(640, 360, 5)
	s.Draw = plume
	got := run(t, d, s, 60)
	s.Close()
	first := -1
	for n, dets := range got {
		if n < 10 && len(dets) > 0 {
			t.Fatalf("frame %d: smoke %+v before the plume", n, dets)
		}
		if len(dets) > 0 && first < 0 {
			first = n
		}
		for _, x := range dets {
			if !overlaps(x.Box, plumeBox) {
				t.Fatalf("frame %d: smoke at %+v, plume at %+v", n, x.Box, plumeBox)
			}
		}
	}
	if first < 0 || len(got[59]) == 0 {
		t.Fatalf("smoke first found at frame %d, last frame %+v", first, got[59])
	}
	t.Logf("smoke found %.1f s after the plume appeared: %+v", float64(first-10)/5, got[59][0])
	d.Close()
	if after := matCount(); before >= 0 && after != before {
		t.Errorf("Mats leaked: %d before, %d after", before, after)
	}
}

func TestStaticGreyIsNotSmoke(t *testing.T) {
	d := newDetector(t, SmokeName)
	s := clip.Street(640, 360, 5)
	s.Draw = greyVan
	defer s.Close()
	for n, dets := range run(t, d, s, 60) {
		if len(dets) > 0 {
			t.Fatalf("frame %d: smoke %+v on a grey van that does not rise", n, dets)
		}
	}
}

// rect is a mask polygon over x0..x1, y0..y1 (0..1).
func rect(x0, y0, x1, y1 float64) detect.Polygon {
	return detect.Polygon{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
}

// TestMasks: a mask over the flame or the plume hides it; a mask
// elsewhere does not.
func TestMasks(t *testing.T) {
	cases := []struct {
		name, detector string
		draw           func(*gocv.Mat, int)
		fps            float64
		frames         int
		mask           detect.Polygon
		truth          detect.Box
		want           bool
	}{
		{"flame masked", FireName, flickering, 15, 120, rect(0.5, 0.45, 0.75, 0.95), flameBox, false},
		{"left half masked, flame right", FireName, flickering, 15, 120, rect(0, 0, 0.5, 1), flameBox, true},
		{"plume masked", SmokeName, plume, 5, 60, rect(0.15, 0.15, 0.5, 0.95), plumeBox, false},
		{"right half masked, plume left", SmokeName, plume, 5, 60, rect(0.55, 0, 1, 1), plumeBox, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := detect.New(c.detector, detect.Settings{Masks: []detect.Polygon{c.mask}})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			s := clip.Street(640, 360, c.fps)
			s.Draw = c.draw
			defer s.Close()
			found := 0
			for n, dets := range run(t, d, s, c.frames) {
				for _, x := range dets {
					if !c.want || !overlaps(x.Box, c.truth) {
						t.Fatalf("frame %d: %s %+v (mask %v)", n, c.detector, x, c.mask)
					}
				}
				if len(dets) > 0 {
					found++
				}
			}
			if c.want && found == 0 {
				t.Fatalf("no %s in %d frames with the mask elsewhere", c.detector, c.frames)
			}
		})
	}
}

func benchmark(b *testing.B, name string, draw func(*gocv.Mat, int)) {
	d := newDetector(b, name)
	s := clip.Street(1280, 720, 15)
	s.Draw = draw
	defer s.Close()
	frames := make([]*frame.Frame, 8)
	for i := range frames {
		frames[i] = s.Frame(45 + i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := *frames[i%len(frames)]
		f.Time = s.Time(45 + i)
		if _, err := d.Detect(&f, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}

// BenchmarkFire720p is one active-mode 1280x720 BGR frame with a flame.
func BenchmarkFire720p(b *testing.B) { benchmark(b, FireName, flickering) }

// BenchmarkSmoke720p is one active-mode 1280x720 BGR frame with a plume.
func BenchmarkSmoke720p(b *testing.B) { benchmark(b, SmokeName, plume) }
