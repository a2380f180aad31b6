package fire

// #include "pixels.h"
import "C"

import (
	"fmt"
	"math"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/frame"
)

// Fire tuning.
const (
	// Window is the number of frames the flicker is measured over: about
	// 1.3 s at 15 fps, 4 s at 5 fps.
	Window = 20
	// FlickerRatio is the share of a region's pixels that must have
	// switched in and out of flame colour at least twice in the window.
	FlickerRatio = 0.2
	// CoreRatio is the share of a region's pixels that must have held
	// flame colour for half the window.
	CoreRatio = 0.25
	// MinGrowth is the least growth a fire may show: the region's mean
	// flame-colour area over the newer half of the window divided by the
	// mean over the older half. A fire grows or holds (0.9 to 1.1 under
	// its flicker, 1.1 to 1.3 while it spreads); a flare dying down, a
	// lamp fading or a coloured object leaving the picture shrinks.
	MinGrowth = 0.6
	// GrowthWeight turns growth into score: a region 10% larger over the
	// newer half scores 0.1 more than a steady one, 10% smaller 0.1 less.
	GrowthWeight = 1.0
	// maxSteady is the best score of a flame that does not grow.
	maxSteady = 0.8
	// DefaultFireArea is the smallest flame, as a fraction of the frame.
	DefaultFireArea = 0.0005
)

// Fire is the flame detector of one camera.
type Fire struct {
	pic     small
	minArea float64
	minPx   int
	masks   [][]byte // ring of the last Window flame-colour maps (0/1)
	next    int
	frames  int
	on      []uint8 // per pixel: frames in the window with flame colour
	flips   []uint8 // per pixel: switches in the window
	bin     []byte  // pixels that may be part of a fire: 255
	lit     int     // how many there are
	labels  labeller
}

// NewFire makes a fire detector; it reads MinArea (default 0.0005) and
// Masks.
func NewFire(s detect.Settings) (*Fire, error) {
	if s.MinArea < 0 || s.MinArea > 1 {
		return nil, fmt.Errorf("fire: min_area %v out of 0..1", s.MinArea)
	}
	return &Fire{pic: newSmall(s.Masks), minArea: s.MinArea, labels: newLabeller()}, nil
}

// SmallPicture is true: the frame's small picture is all it needs.
func (d *Fire) SmallPicture() bool { return true }

// Name is "fire".
func (d *Fire) Name() string { return FireName }

// Close frees the detector's Mats; idempotent.
func (d *Fire) Close() error {
	d.pic.close()
	d.labels.close()
	return nil
}

// flame is the colour rule: bright, red over green over blue, saturated.
func flame(b, g, r byte) bool {
	return r >= 150 && r >= g && g > b && int(r)-int(b) >= 90 && int(g)-int(b) >= 15
}

// Detect adds f to the flicker window and returns flickering flame
// regions once the window is full. Luma-only frames give nothing.
func (d *Fire) Detect(f *frame.Frame, _ []detect.Box) ([]detect.Detection, error) {
	ok, resized, err := d.pic.load(f)
	if err != nil {
		return nil, fmt.Errorf("fire: %w", err)
	}
	if !ok {
		return nil, nil
	}
	n := d.pic.size.X * d.pic.size.Y
	if resized {
		d.masks = make([][]byte, Window)
		for i := range d.masks {
			d.masks[i] = make([]byte, n)
		}
		d.on, d.flips, d.bin = make([]uint8, n), make([]uint8, n), make([]byte, n)
		d.next, d.frames = 0, 0
		d.minPx = minPixels(d.minArea, d.pic.size, DefaultFireArea)
	}
	d.add(n)
	d.next = (d.next + 1) % Window
	d.frames++
	if d.frames < Window {
		return nil, nil
	}
	return d.regions()
}

// add puts the small picture's flame-colour map into the window. The ring
// slot about to be overwritten is the oldest map; the one before it the
// newest. Counts are kept up to date incrementally, and the map of pixels
// that may belong to a fire (flame colour for a quarter of the window, or
// flickering) with them.
func (d *Fire) add(n int) {
	if n == 0 {
		d.lit = 0
		return
	}
	old := d.masks[d.next][:n]
	oldNext := d.masks[(d.next+1)%Window][:n]
	prev := d.masks[(d.next+Window-1)%Window][:n]
	on, flips, bin := d.on[:n], d.flips[:n], d.bin[:n]
	bgr, mask := d.pic.bgr[:3*n], d.pic.mask
	if mask != nil {
		mask = mask[:n]
	}
	d.lit = int(C.fire_add(u8(bgr), u8(mask), u8(old), u8(oldNext), u8(prev), u8(on), u8(flips), u8(bin),
		C.ptrdiff_t(n), cBool(d.frames >= Window), cBool(d.frames == 0)))
}

// regions finds regions holding flame colour for a quarter of the window
// (or flickering) and keeps those that flicker around a persisting core.
func (d *Fire) regions() ([]detect.Detection, error) {
	if d.lit < d.minPx {
		return nil, nil // too few pixels for any region: nothing to label
	}
	regs, labels, err := d.labels.find(d.bin, d.pic.size, d.minPx)
	if err != nil {
		return nil, fmt.Errorf("fire: %w", err)
	}
	var out []detect.Detection
	for _, r := range regs {
		c := d.count(r, labels)
		// A flame flickers at its rim around a core that persists: a
		// red flag or a passing red coat has no persisting core.
		ratio := float64(c.flick) / float64(r.area)
		if ratio < FlickerRatio || float64(c.core) < CoreRatio*float64(r.area) {
			continue
		}
		g := c.growth()
		if g < MinGrowth {
			continue
		}
		out = append(out, detect.Detection{Kind: detect.Fire, Label: "flame",
			Score: score(ratio, g), Box: toBox(r.rect, d.pic.size)})
	}
	return out, nil
}

// score is a fire's confidence in 0..1: 0.5 plus half its flicker share,
// at most 0.8, moved up or down by its growth. A steady flame flickering
// over a fifth of its pixels scores 0.6, over three fifths or more 0.8
// (so does a steady flashing beacon); one spreading by 10% over the
// window 0.1 more. A rule's min_score of 0.9 thus asks for a fire that
// spreads.
func score(flicker, growth float64) float64 {
	return math.Max(0, math.Min(1, math.Min(maxSteady, 0.5+flicker/2)+GrowthWeight*(growth-1)))
}

// counts are what count finds in one region.
type counts struct {
	flick, core  int // pixels that flickered; pixels lit for half the window
	older, newer int // flame-colour pixel-frames in the older and newer half
}

// growth is the region's flame area over the newer half of the window
// divided by that over the older half; a region with no flame in the
// older half has just appeared and counts as growing fast.
func (c counts) growth() float64 {
	if c.older == 0 {
		return 2
	}
	return float64(c.newer) / float64(c.older)
}

// count returns how many of r's pixels flickered, how many held flame
// colour for half the window, and r's flame area in each half of the
// window, read from the ring of colour maps (oldest at d.next, since
// Detect advanced it).
func (d *Fire) count(r region, labels []uint16) counts {
	var c counts
	var ring [Window][]byte // the maps, oldest first
	for k := range ring {
		ring[k] = d.masks[(d.next+k)%Window]
	}
	w := d.pic.size.X
	for y := r.rect.Min.Y; y < r.rect.Max.Y; y++ {
		lo, hi := y*w+r.rect.Min.X, y*w+r.rect.Max.X
		// Slices of one length: the compiler drops the bounds checks.
		lab, flips, on := labels[lo:hi], d.flips[lo:hi], d.on[lo:hi]
		flips, on = flips[:len(lab)], on[:len(lab)]
		for j, l := range lab {
			if l != r.label {
				continue
			}
			if flips[j] >= 2 {
				c.flick++
			}
			if on[j] >= Window/2 {
				c.core++
			}
			i := lo + j
			for _, m := range ring[:Window/2] {
				c.older += int(m[i])
			}
			for _, m := range ring[Window/2:] {
				c.newer += int(m[i])
			}
		}
	}
	return c
}
