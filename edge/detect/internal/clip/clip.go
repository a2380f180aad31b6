// Package clip is test support for the detectors: real frames decoded from
// OpenCV's vtest.avi with gocv's VideoCapture, and synthetic frames drawn
// with gocv (a noisy static street, blobs) turned into frame.Frame values
// the way edge/decode hands them over, and the simulator's scenes (encoded
// on demand). It imports edge/frame, drivers/sim and gocv.
package clip

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/frame"
)

// Epoch is the time of the first synthetic frame.
var Epoch = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// VTestPath finds vtest.avi: $ARGUS_VTEST, else .cache/vtest.avi of the
// repository holding the working directory; "" when absent.
func VTestPath() string {
	if p := os.Getenv("ARGUS_VTEST"); p != "" {
		return p
	}
	dir, _ := os.Getwd()
	for dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, ".cache", "vtest.avi")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		up := filepath.Dir(dir)
		if up == dir {
			break
		}
		dir = up
	}
	return ""
}

// Decode reads up to n frames of a video file from frame skip on, every
// step-th one, as active-mode frames (luma and BGR) stamped at fps.
func Decode(path string, skip, n, step int, fps float64) ([]*frame.Frame, error) {
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer vc.Close()
	img := gocv.NewMat()
	defer img.Close()
	var out []*frame.Frame
	for i := 0; len(out) < n; i++ {
		if !vc.Read(&img) || img.Empty() {
			break
		}
		if i < skip || (i-skip)%step != 0 {
			continue
		}
		out = append(out, FromBGR(img, Epoch.Add(time.Duration(float64(i)/fps*float64(time.Second)))))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no frames decoded", path)
	}
	return out, nil
}

// FromBGR copies an 8-bit BGR Mat into a frame with luma and BGR planes.
func FromBGR(img gocv.Mat, t time.Time) *frame.Frame {
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(img, &gray, gocv.ColorBGRToGray)
	return &frame.Frame{
		Camera: "test", Time: t, Width: img.Cols(), Height: img.Rows(),
		Gray: gray.ToBytes(), BGR: img.ToBytes(), Key: true,
	}
}

// Idle drops the BGR plane, as an idle-mode camera delivers.
func Idle(f *frame.Frame) *frame.Frame {
	g := *f
	g.BGR = nil
	return &g
}

// Scene draws synthetic frames: a static street (sky, ground, buildings
// like the simulator's empty scene) plus sensor noise that changes every
// frame, and whatever Draw adds on top.
type Scene struct {
	W, H  int
	FPS   float64
	Noise float64 // standard deviation of the sensor noise, grey levels
	// Draw paints frame n's moving parts, if any.
	Draw func(img *gocv.Mat, n int)
	rng  *rand.Rand
	bg   gocv.Mat
}

// Street returns a w×h street scene at fps with noise of σ 5.
func Street(w, h int, fps float64) *Scene {
	return &Scene{W: w, H: h, FPS: fps, Noise: 5}
}

// Frame renders frame n.
func (s *Scene) Frame(n int) *frame.Frame {
	if s.rng == nil {
		s.rng = rand.New(rand.NewSource(1))
		s.bg = gocv.NewMatWithSizeFromScalar(gocv.NewScalar(0x6a, 0x60, 0x55, 0), s.H, s.W, gocv.MatTypeCV8UC3)
		r := func(x0, y0, x1, y1 float64) image.Rectangle {
			return image.Rect(int(x0*float64(s.W)), int(y0*float64(s.H)), int(x1*float64(s.W)), int(y1*float64(s.H)))
		}
		gocv.Rectangle(&s.bg, r(0, 0.7, 1, 1), color.RGBA{0x3a, 0x3f, 0x3b, 0}, -1)
		gocv.Rectangle(&s.bg, r(0.08, 0.3, 0.3, 0.7), color.RGBA{0x58, 0x60, 0x6a, 0}, -1)
		gocv.Rectangle(&s.bg, r(0.12, 0.36, 0.16, 0.42), color.RGBA{0x40, 0x31, 0x2a, 0}, -1)
		gocv.Rectangle(&s.bg, r(0.2, 0.36, 0.24, 0.42), color.RGBA{0x40, 0x31, 0x2a, 0}, -1)
		gocv.Rectangle(&s.bg, r(0.62, 0.45, 0.9, 0.7), color.RGBA{0x84, 0x7f, 0x7b, 0}, -1)
		gocv.Rectangle(&s.bg, r(0, 0.82, 1, 0.835), color.RGBA{0xa0, 0xb8, 0xb8, 0}, -1)
	}
	img := s.bg.Clone()
	defer img.Close()
	if s.Draw != nil {
		s.Draw(&img, n)
	}
	if s.Noise > 0 {
		b := img.ToBytes()
		for i, v := range b {
			b[i] = clamp(float64(v) + s.rng.NormFloat64()*s.Noise)
		}
		noisy, err := gocv.NewMatFromBytes(s.H, s.W, gocv.MatTypeCV8UC3, b)
		if err != nil {
			panic(err)
		}
		defer noisy.Close()
		return FromBGR(noisy, s.Time(n))
	}
	return FromBGR(img, s.Time(n))
}

// Time is frame n's timestamp.
func (s *Scene) Time(n int) time.Time {
	return Epoch.Add(time.Duration(float64(n) / s.FPS * float64(time.Second)))
}

func clamp(v float64) byte {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return byte(v + 0.5)
}

// Close frees the background.
func (s *Scene) Close() {
	if s.rng != nil && s.bg.Ptr() != nil {
		s.bg.Close()
	}
}

// Each decodes a video file frame by frame, stamped at fps, calling fn
// until it returns false; frames are not kept.
func Each(path string, fps float64, fn func(n int, f *frame.Frame) bool) error {
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer vc.Close()
	img := gocv.NewMat()
	defer img.Close()
	for n := 0; vc.Read(&img) && !img.Empty(); n++ {
		if !fn(n, FromBGR(img, Epoch.Add(time.Duration(float64(n)/fps*float64(time.Second))))) {
			return nil
		}
	}
	return nil
}

// SimScene returns the file of the simulator's scene named
// "<kind>-<codec>-<W>x<H>-<N>fps" (the other settings at their defaults),
// encoding it with ffmpeg first when the scene cache does not hold it yet:
// a test never depends on another having filled the cache.
func SimScene(tb testing.TB, name string) string {
	tb.Helper()
	var kind, codec string
	var w, h, fps int
	parts := strings.Split(name, "-")
	if len(parts) != 4 {
		tb.Fatalf("scene %q: want <kind>-<codec>-<W>x<H>-<N>fps", name)
	}
	kind, codec = parts[0], parts[1]
	if _, err := fmt.Sscanf(parts[2]+" "+parts[3], "%dx%d %dfps", &w, &h, &fps); err != nil {
		tb.Fatalf("scene %q: %v", name, err)
	}
	dir := os.Getenv("ARGUS_CACHE")
	if dir == "" {
		if v := VTestPath(); v != "" {
			dir = filepath.Join(filepath.Dir(v), "scenes")
		}
	}
	spec := sim.SceneSpec{Kind: sim.Kind(kind), Codec: sim.Codec(codec), Width: w, Height: h, FPS: fps}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sc, err := sim.NewLibrary(dir, zerolog.Nop()).Scene(ctx, spec)
	if err != nil {
		tb.Fatalf("scene %s: %v", name, err)
	}
	return sc.File
}

// Small returns f as edge/decode hands it over in active mode when no
// detector needs the full-size colour: with frame.Small (block averages of
// the luma and of the colour) and without the full BGR plane; idle frames
// keep only Small's luma.
func Small(f *frame.Frame) *frame.Frame {
	g := *f
	k := frame.SmallScale(f.Width, f.Height)
	g.Small = frame.Small{Width: f.Width / k, Height: f.Height / k, Scale: k, Gray: box(f.Gray, f.Width, f.Height, 1, k)}
	if f.BGR != nil {
		g.Small.BGR = box(f.BGR, f.Width, f.Height, 3, k)
	}
	g.BGR = nil
	return &g
}

// box averages a packed w×h picture of ch channels over k×k blocks.
func box(p []byte, w, h, ch, k int) []byte {
	sw, sh := w/k, h/k
	out := make([]byte, sw*sh*ch)
	for y := range sh {
		for x := range sw {
			for c := range ch {
				s := 0
				for dy := range k {
					row := ((y*k+dy)*w + x*k) * ch
					for dx := range k {
						s += int(p[row+dx*ch+c])
					}
				}
				out[(y*sw+x)*ch+c] = byte((s + k*k/2) / (k * k))
			}
		}
	}
	return out
}
