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
	// climb while followed, its base moving by at most Anchor times as
	// much: smoke rises from where it comes from, a grey car driving up
	// the picture moves whole, a person who stood and left (the ghost in
	// the background) does not rise at all.
	Rise, Anchor = 0.03, 0.4
	// Spread is how much a rising plume's area must have grown over
	// SmokeAfter (1.1: by a tenth).
	Spread = 1.1
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
	gain    float32 // the picture's exposure over the background's, from the last frame
	tracks  []track
}

// track follows one plume across frames.
type track struct {
	since time.Time
	hist  []sample // its top and base over the last SmokeAfter, oldest first
	rect  image.Rectangle
	area  int
	seen  bool
	smoke bool    // it has been smoke: it stays smoke while followed
	rose  float64 // the most it rose over SmokeAfter, fraction of the height
}

// sample is where a track's top and base were at one frame.
type sample struct {
	at             time.Time
	top, bot, area int
}

// add records the track's rectangle at now and forgets the samples older
// than the last one at least SmokeAfter before now.
func (t *track) add(now time.Time) {
	t.hist = append(t.hist, sample{at: now, top: t.rect.Min.Y, bot: t.rect.Max.Y, area: t.area})
	k := 0
	for k+1 < len(t.hist) && now.Sub(t.hist[k+1].at) >= SmokeAfter {
		k++
	}
	if k > 0 {
		t.hist = append(t.hist[:0], t.hist[k:]...)
	}
}

// rising tells how far (in pixels) the track's top rose over the last
// SmokeAfter, if it rose steadily from an anchored base: in each third of
// that time the top climbed by a quarter of the rise at least, the base
// moved by at most Anchor times the rise and stayed inside the picture,
// and the area grew by Spread. A region that reached its height at
// once (a person whose head joined the region a frame late) does not
// keep rising; a car driving up the picture takes its base with it.
func (t *track) rising(now time.Time, h int) int {
	if len(t.hist) < 4 || now.Sub(t.hist[0].at) < SmokeAfter {
		return 0
	}
	first, last := t.hist[0], t.hist[len(t.hist)-1]
	rise := first.top - last.top
	prev := first.top
	for _, third := range []int{len(t.hist) / 3, 2 * len(t.hist) / 3, len(t.hist) - 1} {
		top := t.hist[third].top
		if 4*(prev-top) < rise || top >= prev {
			return 0 // a third without a quarter of the rise: not steady
		}
		prev = top
	}
	for _, x := range t.hist {
		if x.bot >= h-1 {
			return 0
		}
	}
	if rise <= 0 || float64(abs(last.bot-first.bot)) > Anchor*float64(rise) {
		return 0
	}
	// A base on the bottom edge is no base: what rises from there (an
	// arm reaching in, a person walking up into the picture) goes on
	// below it. And smoke spreads as it rises: its area grows.
	if float64(last.area) < Spread*float64(first.area) {
		return 0
	}
	return rise
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
		d.last, d.gain = now, 1
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
		C.ptrdiff_t(n), C.float(fast), C.float(slow), C.float(d.gain))
	d.gain = exposure(int(c.sum_lum), int(c.sum_bg))
	return int(c.cands), int(c.held)
}

// exposure is the gain from the background to the picture, from their
// sums, bounded to 0.5..2 (beyond, the picture is relearnt anyway).
func exposure(sumLum, sumBg int) float32 {
	if sumBg <= 0 {
		return 1
	}
	return float32(math.Max(0.5, math.Min(2, float64(sumLum)/float64(sumBg))))
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
// have lasted SmokeAfter and whose top rose steadily from an anchored
// base.
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
				break
			}
		}
		if !matched {
			d.tracks = append(d.tracks, track{since: now, rect: r, area: area, seen: true})
		}
	}
	kept := d.tracks[:0]
	var out []detect.Detection
	h := float64(d.pic.size.Y)
	for _, t := range d.tracks {
		if !t.seen {
			continue
		}
		t.add(now)
		t.rose = math.Max(t.rose, float64(t.rising(now, d.pic.size.Y))/h)
		if !t.smoke && t.rose >= Rise {
			t.smoke = true
		}
		kept = append(kept, t)
		if t.smoke {
			out = append(out, detect.Detection{Kind: detect.Smoke, Label: "smoke",
				Score: SmokeScore(t.rose, now.Sub(t.since)), Box: toBox(t.rect, d.pic.size)})
		}
	}
	d.tracks = kept
	return out
}

// SmokeScore is a plume's confidence in 0..1: a logistic estimate from
// how far its top rose (fraction of the frame height) and how long it
// has been followed. A plume that just passes the gates (risen by Rise
// after SmokeAfter) scores 0.55; one risen by a tenth of the picture
// about 0.85, by a fifth 0.97 or more.
func SmokeScore(rise float64, age time.Duration) float64 {
	extra := math.Min(5, math.Max(0, (age-SmokeAfter).Seconds()))
	z := 0.2 + 20*(math.Max(0, rise)-Rise) + 0.1*extra
	return 1 / (1 + math.Exp(-z))
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
