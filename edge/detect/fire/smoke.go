package fire

// #include "pixels.h"
import "C"

import (
	"fmt"
	"image"
	"math"
	"time"

	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/frame"
)

// Smoke tuning.
const (
	// SmokeAfter is how long a plume must be followed before it is smoke.
	SmokeAfter = 3 * time.Second
	// Rise is how far (fraction of the frame height) a plume's top must
	// climb, or Grow how much its area must increase, while followed.
	Rise, Grow = 0.03, 0.3
	// DefaultSmokeArea is the smallest plume, as a fraction of the frame.
	DefaultSmokeArea = 0.003
	// greyness is the largest max-min of B, G, R of a smoke pixel.
	greyness = 40
	// lighter is the smallest luma change from the background.
	lighter = 10
	// persist is the hold of a pixel's evidence in frames: a candidate
	// adds 2, a miss takes 1, a region needs persist.
	persist = 6
	// learnTau and learnSlow are the background's time constants for
	// quiet pixels and for smoke candidates.
	learnTau, learnSlow = 20 * time.Second, 5 * time.Minute
)

// Smoke is the smoke detector of one camera.
type Smoke struct {
	pic     small
	minArea float64
	minPx   int
	gray    gocv.Mat
	lap     gocv.Mat
	lapAbs  gocv.Mat
	bgLum   []float32
	bgLap   []float32
	lum     []byte // the small luma: the frame's (during Detect) or lumCopy
	lumCopy []byte
	tex     []byte
	hold    []uint8
	bin     []byte
	labels  labeller
	last    time.Time
	tracks  []track
}

// track follows one plume across frames.
type track struct {
	since    time.Time
	top0     int
	area0    int
	rect     image.Rectangle
	area     int
	seen     bool
	risen    int
	maxGrown float64
}

// NewSmoke makes a smoke detector; it reads MinArea (default 0.003) and
// Masks.
func NewSmoke(s detect.Settings) (*Smoke, error) {
	if s.MinArea < 0 || s.MinArea > 1 {
		return nil, fmt.Errorf("smoke: min_area %v out of 0..1", s.MinArea)
	}
	return &Smoke{pic: newSmall(s.Masks), minArea: s.MinArea,
		gray: gocv.NewMat(), lap: gocv.NewMat(), lapAbs: gocv.NewMat(), labels: newLabeller()}, nil
}

// SmallPicture is true: the frame's small picture is all it needs.
func (d *Smoke) SmallPicture() bool { return true }

// Name is "smoke".
func (d *Smoke) Name() string { return SmokeName }

// Close frees the detector's Mats; idempotent.
func (d *Smoke) Close() error {
	d.pic.close()
	d.labels.close()
	for _, m := range []*gocv.Mat{&d.gray, &d.lap, &d.lapAbs} {
		if m.Ptr() != nil {
			m.Close()
		}
	}
	return nil
}

// Detect compares f with the background and follows grey, smooth,
// persisting regions; one rising or growing for SmokeAfter is smoke.
// Luma-only frames give nothing.
func (d *Smoke) Detect(f *frame.Frame, _ []detect.Box) ([]detect.Detection, error) {
	ok, resized, err := d.pic.load(f)
	if err != nil {
		return nil, fmt.Errorf("smoke: %w", err)
	}
	if !ok {
		return nil, nil
	}
	if err := d.texture(); err != nil {
		return nil, fmt.Errorf("smoke: %w", err)
	}
	now := f.Time
	if now.IsZero() {
		now = time.Now()
	}
	n := d.pic.size.X * d.pic.size.Y
	if resized {
		d.bgLum, d.bgLap = make([]float32, n), make([]float32, n)
		for i := range d.bgLum {
			d.bgLum[i], d.bgLap[i] = float32(d.lum[i]), float32(d.tex[i])
		}
		d.hold, d.bin, d.tracks = make([]uint8, n), make([]byte, n), nil
		d.minPx = minPixels(d.minArea, d.pic.size, DefaultSmokeArea)
		d.last = now
		return nil, nil
	}
	dt := now.Sub(d.last).Seconds()
	d.last = now
	fast := float32(math.Min(1, math.Max(0, dt/learnTau.Seconds())))
	slow := float32(math.Min(1, math.Max(0, dt/learnSlow.Seconds())))
	cands, held := d.update(n, fast, slow)
	if cands > n/2 {
		// Half the picture turning grey at once is fog, a lens misting
		// or a global exposure change, not a plume: start over.
		for i := range d.bgLum {
			d.bgLum[i], d.bgLap[i], d.hold[i] = float32(d.lum[i]), float32(d.tex[i]), 0
		}
		d.tracks = nil
		return nil, nil
	}
	var regs []region
	if held >= d.minPx { // else no region can be large enough
		if regs, _, err = d.labels.find(d.bin, d.pic.size, d.minPx); err != nil {
			return nil, fmt.Errorf("smoke: %w", err)
		}
	}
	return d.follow(regs, now), nil
}

// update compares the small picture with the background, pixel by pixel,
// learns it into the background (slowly where smoke may be), and returns
// how many pixels are smoke candidates and how many have been for long
// enough (d.bin).
func (d *Smoke) update(n int, fast, slow float32) (cands, held int) {
	if n == 0 {
		return 0, 0
	}
	bgr, mask := d.pic.bgr[:3*n], d.pic.mask
	if mask != nil {
		mask = mask[:n]
	}
	lum, tex, bgLum, bgLap := d.lum[:n], d.tex[:n], d.bgLum[:n], d.bgLap[:n]
	hold, bin := d.hold[:n], d.bin[:n]
	c := C.smoke_update(u8(bgr), u8(mask), u8(lum), u8(tex), f32(bgLum), f32(bgLap), u8(hold), u8(bin),
		C.ptrdiff_t(n), C.float(fast), C.float(slow))
	return int(c.cands), int(c.held)
}

// texture computes the small picture's luma (the frame's small luma when
// it has one) and its local texture (the absolute Laplacian,
// box-blurred), both 8-bit.
func (d *Smoke) texture() error {
	gray := d.gray
	if d.pic.gray != nil {
		m, err := gocv.NewMatFromBytes(d.pic.size.Y, d.pic.size.X, gocv.MatTypeCV8U, d.pic.gray)
		if err != nil {
			return err
		}
		defer m.Close()
		gray = m
		d.lum = d.pic.gray
	} else {
		if d.pic.mat.Empty() {
			return fmt.Errorf("empty picture")
		}
		gocv.CvtColor(d.pic.mat, &d.gray, gocv.ColorBGRToGray)
		var err error
		if d.lumCopy, err = bytesOf(d.gray, d.lumCopy); err != nil {
			return err
		}
		d.lum = d.lumCopy
	}
	gocv.Laplacian(gray, &d.lap, gocv.MatTypeCV16S, 3, 1, 0, gocv.BorderReplicate)
	gocv.ConvertScaleAbs(d.lap, &d.lapAbs, 1, 0)
	gocv.Blur(d.lapAbs, &d.lap, image.Pt(5, 5))
	var err error
	d.tex, err = bytesOf(d.lap, d.tex)
	return err
}

// follow matches regions to tracks by overlap and reports tracks that
// have lasted SmokeAfter and risen or grown.
func (d *Smoke) follow(regs []region, now time.Time) []detect.Detection {
	for i := range d.tracks {
		d.tracks[i].seen = false
	}
	for _, reg := range regs {
		r, area := reg.rect, reg.area
		matched := false
		for i := range d.tracks {
			t := &d.tracks[i]
			if !t.seen && t.rect.Inset(-2).Overlaps(r) {
				t.rect, t.area, t.seen, matched = r, area, true, true
				t.risen = max(t.risen, t.top0-r.Min.Y)
				t.maxGrown = math.Max(t.maxGrown, float64(area)/float64(max(1, t.area0))-1)
				break
			}
		}
		if !matched {
			d.tracks = append(d.tracks, track{since: now, top0: r.Min.Y, area0: area, rect: r, area: area, seen: true})
		}
	}
	kept := d.tracks[:0]
	var out []detect.Detection
	h := float64(d.pic.size.Y)
	for _, t := range d.tracks {
		if !t.seen {
			continue
		}
		kept = append(kept, t)
		rose := float64(t.risen)/h >= Rise
		if now.Sub(t.since) >= SmokeAfter && (rose || t.maxGrown >= Grow) {
			score := math.Min(1, 0.5+float64(t.risen)/h+t.maxGrown/4)
			out = append(out, detect.Detection{Kind: detect.Smoke, Label: "smoke", Score: score, Box: toBox(t.rect, d.pic.size)})
		}
	}
	d.tracks = kept
	return out
}
