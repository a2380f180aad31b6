package fire

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
	bin     []byte
}

// NewFire makes a fire detector; it reads MinArea (default 0.0005) and
// Masks.
func NewFire(s detect.Settings) (*Fire, error) {
	if s.MinArea < 0 || s.MinArea > 1 {
		return nil, fmt.Errorf("fire: min_area %v out of 0..1", s.MinArea)
	}
	return &Fire{pic: newSmall(s.Masks), minArea: s.MinArea}, nil
}

// SmallPicture is true: the frame's small picture is all it needs.
func (d *Fire) SmallPicture() bool { return true }

// Name is "fire".
func (d *Fire) Name() string { return FireName }

// Close frees the detector's Mat; idempotent.
func (d *Fire) Close() error {
	d.pic.close()
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
	// The ring slot about to be overwritten is the oldest map; the one
	// before it the newest. Counts are kept up to date incrementally.
	old := d.masks[d.next]
	oldNext := d.masks[(d.next+1)%Window]
	prev := d.masks[(d.next+Window-1)%Window]
	bgr := d.pic.bgr
	for i := 0; i < n; i++ {
		var m byte
		if !d.pic.masked(i) && flame(bgr[3*i], bgr[3*i+1], bgr[3*i+2]) {
			m = 1
		}
		if d.frames >= Window {
			d.on[i] -= old[i]
			d.flips[i] -= old[i] ^ oldNext[i]
		}
		d.on[i] += m
		if d.frames > 0 {
			d.flips[i] += m ^ prev[i]
		}
		old[i] = m
	}
	d.next = (d.next + 1) % Window
	d.frames++
	if d.frames < Window {
		return nil, nil
	}
	return d.regions()
}

// regions finds regions holding flame colour for a quarter of the window
// (or flickering) and keeps those that flicker around a persisting core.
func (d *Fire) regions() ([]detect.Detection, error) {
	for i, c := range d.on {
		d.bin[i] = 0
		if c >= Window/4 || (c > 0 && d.flips[i] >= 2) {
			d.bin[i] = 255
		}
	}
	rects, areas, labels, err := components(d.bin, d.pic.size, d.minPx)
	if err != nil {
		return nil, fmt.Errorf("fire: %w", err)
	}
	flick, core := make([]int, len(rects)), make([]int, len(rects))
	for i, l := range labels {
		if l == 0 {
			continue
		}
		if d.flips[i] >= 2 {
			flick[l-1]++
		}
		if d.on[i] >= Window/2 {
			core[l-1]++
		}
	}
	var out []detect.Detection
	for k, r := range rects {
		// A flame flickers at its rim around a core that persists: a
		// red flag or a passing red coat has no persisting core.
		ratio := float64(flick[k]) / float64(areas[k])
		if ratio < FlickerRatio || float64(core[k]) < CoreRatio*float64(areas[k]) {
			continue
		}
		out = append(out, detect.Detection{Kind: detect.Fire, Label: "flame",
			Score: math.Min(1, 0.5+ratio), Box: toBox(r, d.pic.size)})
	}
	return out, nil
}
