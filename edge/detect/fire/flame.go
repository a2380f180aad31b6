package fire

// #include "pixels.h"
import "C"

import (
	"fmt"
	"math"
	"time"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/frame"
)

// Fire tuning.
const (
	// Window is the number of frames the flicker is measured over: about
	// 1.3 s at 15 fps, 4 s at 5 fps.
	Window = 20
	// FlickerRatio is the share of a region's pixels that must have
	// flickered at least twice in the window: changed their light by
	// flickLight from one frame to the next while a candidate.
	FlickerRatio = 0.2
	// MinRate is the least number of flickers a region's pixels show in
	// the window, on average.
	MinRate = 4.0
	// MinGrowth is the least growth a fire may show: the region's mean
	// flame-colour area over the newer half of the window divided by the
	// mean over the older half. A fire grows or holds (0.9 to 1.1 under
	// its flicker, 1.1 to 1.3 while it spreads); a flare dying down, a
	// lamp fading or a coloured object leaving the picture shrinks.
	MinGrowth = 0.6
	// DefaultFireArea is the smallest flame, as a fraction of the frame.
	DefaultFireArea = 0.0005
	// FireLearn is the time constant of the background a fire is told
	// from: what has been flame-coloured and as bright for this long (an
	// orange floor, a wall in evening sun) is the scene, not a fire.
	FireLearn = 20 * time.Second

	// brighter is how much brighter than the background (luma levels) a
	// flame-coloured pixel must be where the background is flame-coloured
	// too, dimmer the least it may be to stay a candidate (hysteresis:
	// sensor noise at one threshold does not flicker).
	brighter, dimmer = 30, 15
	// newColour is the background's flame-colour share (times 65535: a
	// fifth) below which a flame-coloured pixel is new colour there; it
	// must then be at least lift levels brighter than the background to
	// become a candidate (and not darker to stay one): a flame gives
	// light, while a floor plank on the edge of flame colour, uncovered
	// again by a passing leg, is only as bright as it always was.
	newColour, lift = 13107, 10
	// flickLight is the least change of luma or of red-minus-blue (levels)
	// from one frame to the next for a switch to count as flicker.
	flickLight = 16
	// MovingShare is the percentage of the picture whose light must
	// change from one frame to the next for the camera to be taken as
	// moving.
	MovingShare = 20
	// MovingHold is how long a camera seen moving is taken to go on.
	MovingHold = 5 * time.Second
	// FlickerGap is the longest time between two frames whose change of
	// light counts as flicker: a flame's light changes within a tenth of
	// a second, while over a second anything in the scene moves (a
	// person over an orange floor, a door's shadow). Frames further apart
	// (shed under overload, a camera that stalled) still feed the window
	// and the background but count no flicker, so fire needs frames at 2
	// a second or more (active_fps).
	FlickerGap = 500 * time.Millisecond
	// minFlips is the number of flickers in the window that makes a
	// flame-coloured pixel part of a fire region even where the
	// background holds flame colour (a fire burning when the camera came
	// online is in its background).
	minFlips = 3
)

// Fire is the flame detector of one camera.
type Fire struct {
	pic         small
	minArea     float64
	minPx       int
	masks       [][]byte // ring of the last Window frames: candidate bit 0, flicker bit 1, colour bit 2
	next        int
	frames      int
	on          []uint8   // per pixel: frames in the window as a candidate
	flips       []uint8   // per pixel: switches with a change of light in the window
	colours     []uint8   // per pixel: frames in the window of flame colour
	bin         []byte    // pixels that may be part of a fire: 255
	bg          []uint16  // per pixel: the background's luma, times 256
	colour      []uint16  // per pixel: the background's flame-colour share, times 65535
	plum        []uint8   // per pixel: last frame's luma
	pchr        []uint8   // per pixel: last frame's red minus blue
	lumNext     []uint8   // this frame's luma and red minus blue, written
	chrNext     []uint8   // while plum and pchr are read; swapped after
	freeze      []uint8   // per pixel: 1 in a region reported as fire last frame
	frozen      bool      // whether freeze holds any 1
	last        time.Time // last frame's time
	lit         int       // how many pixels bin holds
	changed     int       // how many pixels' luma changed in place from the last frame
	movingUntil time.Time // the camera is taken as moving until then
	labels      labeller
	shifts      shifter
	dx, dy      int // how far the picture moved since the last frame
}

// NewFire makes a fire detector; it reads MinArea (default 0.0005) and
// Masks.
func NewFire(s detect.Settings) (*Fire, error) {
	if s.MinArea < 0 || s.MinArea > 1 {
		return nil, fmt.Errorf("fire: min_area %v out of 0..1", s.MinArea)
	}
	return &Fire{pic: newSmall(s.Masks), minArea: s.MinArea, labels: newLabeller(), shifts: newShifter()}, nil
}

// SmallPicture is true: the frame's small picture is all it needs.
func (d *Fire) SmallPicture() bool { return true }

// Name is "fire".
func (d *Fire) Name() string { return FireName }

// Close frees the detector's Mats; idempotent.
func (d *Fire) Close() error {
	d.pic.close()
	d.labels.close()
	d.shifts.close()
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
	now := f.Time
	if now.IsZero() {
		now = time.Now()
	}
	n := d.pic.size.X * d.pic.size.Y
	if resized {
		d.reset(n)
		d.last = now
	}
	gap := now.Sub(d.last)
	dt := gap.Seconds()
	d.last = now
	near := d.frames > 0 && gap <= FlickerGap // the last frame is close enough to flicker against
	// The camera moves when much of the picture changed at once (in the
	// last frame), and goes on moving through the slow turns of a pan
	// for MovingHold; then only is the shift looked for. A person walking
	// across a still camera's picture pulls the correlation but changes
	// a small part of it.
	if d.changed > n*MovingShare/100 {
		d.movingUntil = now.Add(MovingHold)
	}
	d.dx, d.dy = 0, 0
	if now.Before(d.movingUntil) {
		if d.dx, d.dy, err = d.shifts.shift(d.pic.bgr[:3*n], d.pic.size); err != nil {
			return nil, fmt.Errorf("fire: %w", err)
		}
	} else {
		d.shifts.forget()
	}
	// The background is the mean of all frames so far until FireLearn
	// has passed, then a moving average: a flame burning from the first
	// frame shows its flicker over the mean of what is behind it, and a
	// person who walked past while the camera came online leaves no
	// dark trail in it.
	a := math.Max(1/float64(d.frames+1), dt/FireLearn.Seconds())
	d.add(n, learnRate(a), near)
	d.next = (d.next + 1) % Window
	d.frames++
	if d.frames < Window {
		return nil, nil
	}
	return d.regions()
}

// reset starts over at n pixels.
func (d *Fire) reset(n int) {
	d.masks = make([][]byte, Window)
	for i := range d.masks {
		d.masks[i] = make([]byte, n)
	}
	d.on, d.flips, d.bin = make([]uint8, n), make([]uint8, n), make([]byte, n)
	d.colours = make([]uint8, n)
	d.bg, d.colour = make([]uint16, n), make([]uint16, n)
	d.plum, d.pchr, d.freeze = make([]uint8, n), make([]uint8, n), make([]uint8, n)
	d.lumNext, d.chrNext = make([]uint8, n), make([]uint8, n)
	d.next, d.frames, d.frozen = 0, 0, false
	d.minPx = minPixels(d.minArea, d.pic.size, DefaultFireArea)
}

// add puts the small picture's candidate map into the window: pixels of
// flame colour that are new colour against the background, or much
// brighter than it. The ring slot about to be overwritten is the oldest
// map; the one before it the newest. Counts, the map of pixels that may
// belong to a fire (a candidate for a quarter of the window, or
// flickering) and the background (learnt at rate a) are kept up to date
// with it. Flicker is counted against the last frame only when near.
func (d *Fire) add(n int, a int, near bool) {
	if n == 0 {
		d.lit = 0
		return
	}
	old := d.masks[d.next][:n]
	prev := d.masks[(d.next+Window-1)%Window][:n]
	on, flips, colours, bin := d.on[:n], d.flips[:n], d.colours[:n], d.bin[:n]
	bg, colour, plum, pchr, freeze := d.bg[:n], d.colour[:n], d.plum[:n], d.pchr[:n], d.freeze[:n]
	lumNext, chrNext := d.lumNext[:n], d.chrNext[:n]
	bgr, mask := d.pic.bgr[:3*n], d.pic.mask
	if mask != nil {
		mask = mask[:n]
	}
	c := C.fire_add(u8(bgr), u8(mask), u8(old), u8(prev), u8(on), u8(flips), u8(colours), u8(bin),
		u16(bg), u16(colour), u8(plum), u8(pchr), u8(lumNext), u8(chrNext), u8(freeze),
		C.ptrdiff_t(d.pic.size.X), C.ptrdiff_t(d.pic.size.Y), C.ptrdiff_t(d.dx), C.ptrdiff_t(d.dy),
		cBool(d.frames == 0), cBool(near), C.int(a))
	d.lit, d.changed = int(c.lit), int(c.changed)
	d.plum, d.lumNext = d.lumNext, d.plum
	d.pchr, d.chrNext = d.chrNext, d.pchr
}

// regions finds regions of candidates for a quarter of the window (or
// flickering) and keeps those that flicker around a persisting core and
// do not shrink away. The background under the regions kept is not
// learnt while they last: a fire must not become the scene.
func (d *Fire) regions() ([]detect.Detection, error) {
	if d.frozen {
		clear(d.freeze)
		d.frozen = false
	}
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
		ratio := float64(c.flick) / float64(r.area)
		rate := float64(c.flips) / float64(r.area)
		// A flame flickers all over and often; a leg passing over an
		// orange floor, or its reflection, changes the light twice.
		if ratio < FlickerRatio || rate < MinRate {
			continue
		}
		g := c.growth()
		if g < MinGrowth {
			continue
		}
		d.hold(r, labels)
		out = append(out, detect.Detection{Kind: detect.Fire, Label: "flame",
			Score: Score(ratio, g), Box: toBox(r.rect, d.pic.size)})
	}
	return out, nil
}

// hold marks r's pixels so that the background under them is not learnt.
func (d *Fire) hold(r region, labels []uint16) {
	w := d.pic.size.X
	for y := r.rect.Min.Y; y < r.rect.Max.Y; y++ {
		for i := y*w + r.rect.Min.X; i < y*w+r.rect.Max.X; i++ {
			if labels[i] == r.label {
				d.freeze[i] = 1
			}
		}
	}
	d.frozen = true
}

// Score is a fire region's confidence in 0..1: a logistic estimate of
// the probability that it is a flame, from its flicker share (counted up
// to 0.45: beyond, a flashing beacon flickers as much) and its growth
// over the window. A region that just passes the gates (a fifth of it
// flickering, steady size) scores 0.55; a steady flame flickering over
// two fifths 0.80, at most 0.85; one spreading by 10% over the window
// about 0.9; one shrinking scores less, down to about 0.3. The same cues
// mean the same score on every scene: the background model has already
// removed what the scene holds still, so a rule's min_score of 0.9 asks
// for a fire that spreads wherever the camera looks.
func Score(flicker, growth float64) float64 {
	g := math.Max(MinGrowth, math.Min(1.5, growth)) - 1
	if g > 0 {
		g *= 8
	} else {
		g *= 4
	}
	z := 0.2 + 6*(math.Min(flicker, 0.45)-FlickerRatio) + g
	return 1 / (1 + math.Exp(-z))
}

// counts are what count finds in one region.
type counts struct {
	flick int // pixels that flickered at least twice
	flips int // flickers summed over the region's pixels
	older int // flame-colour pixel-frames in the older half of the window
	newer int // and in the newer half
}

// growth is the region's flame-colour area over the newer half of the
// window divided by that over the older half; a region with no flame in
// the older half has just appeared and counts as growing fast.
func (c counts) growth() float64 {
	if c.older == 0 {
		return 2
	}
	return float64(c.newer) / float64(c.older)
}

// count returns how many of r's pixels flickered, how often, and r's
// flame-colour area in each half of the window, read from the ring of
// maps (oldest at d.next, since Detect advanced it).
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
		lab, flips := labels[lo:hi], d.flips[lo:hi]
		flips = flips[:len(lab)]
		for j, l := range lab {
			if l != r.label {
				continue
			}
			if flips[j] >= 2 {
				c.flick++
			}
			c.flips += int(flips[j])
			i := lo + j
			for _, m := range ring[:Window/2] {
				c.older += int(m[i] >> 2 & 1)
			}
			for _, m := range ring[Window/2:] {
				c.newer += int(m[i] >> 2 & 1)
			}
		}
	}
	return c
}

// learnRate is a learning rate in 0..1 as the C loop takes it: in
// 4096ths, at least 1 (the background never stops learning for
// rounding), at most 4096.
func learnRate(a float64) int {
	return int(math.Max(1, math.Min(4096, math.Round(a*4096))))
}
