// Package motion is the cheap detector every camera runs, idle or active:
// it compares the downscaled luma (at most Width pixels wide) with a
// running-average background and returns one Detection of Kind motion per
// moving region, merged from contours.
//
// A change of the whole picture at once is not motion: the luma is
// compared after mapping its mean and spread onto the background's, which
// takes out global brightness and contrast jumps (IR cut filter switching,
// lightning, auto exposure), and when more than GlobalFraction of the
// pixels still change together (a camera knocked, headlights flooding the
// scene) the frame is dropped and the background re-learnt. It registers
// as "motion"; it works on luma only (idle mode) and imports edge/detect,
// edge/frame and gocv.
//
// Settings: Threshold is the per-pixel luma difference (default 25),
// MinArea the smallest region as a fraction of the frame (default 0.001),
// Masks the areas ignored.
package motion

// #cgo CFLAGS: -O3
// #include "pixels.h"
import "C"

import (
	"fmt"
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/picture"
	"github.com/argus-edge/argus/edge/frame"
)

// Name is the registered name.
const Name = "motion"

// Tuning that is not per camera.
const (
	// Width is the widest picture analysed: 320 px keeps a 1080p frame
	// far under a millisecond of work after the downscale.
	Width = 320
	// DefaultThreshold is the per-pixel luma difference that counts.
	DefaultThreshold = 25
	// DefaultMinArea is the smallest region, as a fraction of the frame.
	DefaultMinArea = 0.001
	// GlobalFraction of changed pixels makes a frame a global change.
	GlobalFraction = 0.45
	// learn is the background's running-average rate for still pixels;
	// moving pixels are learnt learnMoving times slower so that a slow
	// walker does not burn into the background.
	learn, learnMoving = 0.08, 0.01
)

func init() {
	detect.Register(Name, func(s detect.Settings) (detect.Detector, error) { return New(s) })
}

// Detector is the motion detector of one camera.
type Detector struct {
	threshold float64
	minArea   float64
	masks     []detect.Polygon

	size   image.Point // analysed size; zero until the first frame
	mask   []byte      // 1 = ignored, at size; nil without masks
	bg     []float32   // background luma at size
	cur    []byte
	moving gocv.Mat // 8-bit binary map of moving pixels, at size
	small  gocv.Mat
	blur   gocv.Mat
	kernel gocv.Mat
}

// New makes a motion detector with s's Threshold, MinArea and Masks.
func New(s detect.Settings) (*Detector, error) {
	d := &Detector{threshold: s.Threshold, minArea: s.MinArea, masks: s.Masks}
	if d.threshold == 0 {
		d.threshold = DefaultThreshold
	}
	if d.threshold < 1 || d.threshold > 255 {
		return nil, fmt.Errorf("motion: threshold %v out of 1..255", s.Threshold)
	}
	if d.minArea == 0 {
		d.minArea = DefaultMinArea
	}
	if d.minArea < 0 || d.minArea > 1 {
		return nil, fmt.Errorf("motion: min_area %v out of 0..1", s.MinArea)
	}
	d.small, d.blur, d.moving = gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
	d.kernel = gocv.GetStructuringElement(gocv.MorphRect, image.Pt(3, 3))
	return d, nil
}

// SmallPicture is true: the frame's small picture is all it needs.
func (d *Detector) SmallPicture() bool { return true }

// Name is "motion".
func (d *Detector) Name() string { return Name }

// Close frees the detector's Mats.
func (d *Detector) Close() error {
	for _, m := range []*gocv.Mat{&d.small, &d.blur, &d.moving, &d.kernel} {
		if m.Ptr() != nil {
			m.Close()
		}
	}
	return nil
}

// Detect compares f with the background; regions is ignored. The first
// frame (and the first after a size change or a global change) only
// teaches the background.
func (d *Detector) Detect(f *frame.Frame, _ []detect.Box) ([]detect.Detection, error) {
	small, sz, view, err := d.shrink(f)
	if err != nil {
		return nil, fmt.Errorf("motion: %w", err)
	}
	if view {
		defer small.Close()
	}
	// A light blur so that single noisy pixels do not count.
	gocv.GaussianBlur(small, &d.blur, image.Pt(3, 3), 0, 0, gocv.BorderReplicate)
	if d.cur, err = picture.Bytes(d.blur, d.cur); err != nil {
		return nil, fmt.Errorf("motion: %w", err)
	}
	if sz != d.size {
		d.reset(sz)
		return nil, nil
	}
	changed, counted := d.difference()
	if float64(changed) > GlobalFraction*float64(counted) {
		d.relearn()
		return nil, nil
	}
	if changed == 0 {
		d.update(nil)
		return nil, nil
	}
	mv, err := d.moving.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("motion: %w", err)
	}
	out := d.regions()
	d.update(mv)
	return out, nil
}

// shrink returns the luma to analyse, at most Width wide: a view of the
// frame's small luma when it has one (view: the caller closes it), else
// d.small, f's luma shrunk.
func (d *Detector) shrink(f *frame.Frame) (m gocv.Mat, sz image.Point, view bool, err error) {
	if err := picture.Check(f); err != nil {
		return m, sz, false, err
	}
	if picture.Small(f, Width, false) {
		m, err := picture.SmallGray(f)
		return m, image.Pt(f.Small.Width, f.Small.Height), err == nil, err
	}
	g, err := picture.Gray(f)
	if err != nil {
		return m, sz, false, err
	}
	defer g.Close()
	sz = picture.Fit(f.Width, f.Height, Width)
	return d.small, sz, false, picture.Shrink(g, &d.small, sz)
}

// reset starts over at a new size.
func (d *Detector) reset(sz image.Point) {
	d.size = sz
	d.mask = picture.Mask(d.masks, sz.X, sz.Y)
	d.relearn()
	d.moving.Close()
	d.moving = gocv.NewMatWithSize(sz.Y, sz.X, gocv.MatTypeCV8U)
}

// relearn makes the current picture the background.
func (d *Detector) relearn() {
	if cap(d.bg) < len(d.cur) {
		d.bg = make([]float32, len(d.cur))
	}
	d.bg = d.bg[:len(d.cur)]
	for i, v := range d.cur {
		d.bg[i] = float32(v)
	}
}

// difference fills d.moving with 255 where the picture differs from the
// background by more than the threshold once the global change of
// brightness and contrast is taken out (the picture is mapped to the
// background's mean and spread), and returns how many pixels do and how
// many are not masked.
func (d *Detector) difference() (changed, counted int) {
	n := len(d.cur)
	mask := d.mask
	if mask != nil {
		mask = mask[:n]
	}
	bg := d.bg[:n]
	s := C.motion_sums(u8(d.cur), f32(bg), u8(mask), C.ptrdiff_t(n))
	mv, err := d.moving.DataPtrUint8()
	if err != nil || s.n == 0 {
		d.moving.SetTo(gocv.NewScalar(0, 0, 0, 0))
		return 0, int(s.n)
	}
	count := float64(s.n)
	meanC, meanB := float64(s.sum_c)/count, float64(s.sum_b)/count
	varC, varB := float64(s.sq_c)/count-meanC*meanC, float64(s.sq_b)/count-meanB*meanB
	gain := 1.0
	if varC > 4 && varB > 4 {
		// A flat picture (lens covered) has no spread to match.
		gain = math.Max(0.2, math.Min(5, math.Sqrt(varB/varC)))
	}
	g, off := float32(gain), float32(meanB-meanC*gain)
	changed = int(C.motion_difference(u8(d.cur), f32(bg), u8(mask), C.ptrdiff_t(n),
		C.float(g), C.float(off), C.float(d.threshold), u8(mv[:n])))
	return changed, int(s.n)
}

// update moves the background towards the current picture, slower where
// something moves (moving nil: nothing does).
func (d *Detector) update(moving []byte) {
	n := len(d.cur)
	if moving != nil {
		moving = moving[:n]
	}
	C.motion_update(u8(d.cur), f32(d.bg[:n]), u8(moving), C.ptrdiff_t(n), learn, learnMoving)
}

// regions turns the moving map into merged boxes of at least minArea.
func (d *Detector) regions() []detect.Detection {
	// Close small gaps so that one walker is one region, not a limb each.
	gocv.MorphologyExWithParams(d.moving, &d.blur, gocv.MorphClose, d.kernel, 2, gocv.BorderConstant)
	contours := gocv.FindContours(d.blur, gocv.RetrievalExternal, gocv.ChainApproxSimple)
	defer contours.Close()
	var rects []image.Rectangle
	for i := 0; i < contours.Size(); i++ {
		rects = append(rects, gocv.BoundingRect(contours.At(i)))
	}
	rects = merge(rects, max(2, d.size.X/40))
	mv, _ := d.moving.DataPtrUint8()
	total := float64(d.size.X * d.size.Y)
	var out []detect.Detection
	for _, r := range rects {
		if float64(r.Dx()*r.Dy()) < d.minArea*total {
			continue
		}
		out = append(out, detect.Detection{
			Kind: detect.Motion, Label: detect.Motion,
			Score: fill(mv, d.size.X, r), Box: picture.ToBox(r, d.size.X, d.size.Y),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Box.W*out[i].Box.H > out[j].Box.W*out[j].Box.H })
	return out
}

// merge joins rectangles closer than gap until none are.
func merge(rs []image.Rectangle, gap int) []image.Rectangle {
	for joined := true; joined; {
		joined = false
		for i := 0; i < len(rs) && !joined; i++ {
			for j := i + 1; j < len(rs); j++ {
				if rs[i].Inset(-gap).Overlaps(rs[j]) {
					rs[i] = rs[i].Union(rs[j])
					rs = append(rs[:j], rs[j+1:]...)
					joined = true
					break
				}
			}
		}
	}
	return rs
}

// fill is the fraction of moving pixels in r: the region's score.
func fill(mv []byte, w int, r image.Rectangle) float64 {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if mv[y*w+x] != 0 {
				n++
			}
		}
	}
	return math.Min(1, float64(n)/float64(max(1, r.Dx()*r.Dy())))
}
