// Package fire finds flames and smoke in colour frames. It registers two
// detectors, "fire" (Kind fire) and "smoke" (Kind smoke), sharing the
// downscaled picture code; each camera gets its own state (flicker and
// plume history). Both need BGR, i.e. a camera in active mode at a few
// frames a second: on a luma-only frame they return no detections and no
// error. It imports edge/detect, edge/frame and gocv.
//
// Fire: flame-coloured pixels (bright red to yellow: R high, R >= G > B,
// saturated) that are NEW against a slowly learnt background (FireLearn:
// new flame colour there and brighter than it, or much brighter than a
// background that is flame-coloured itself), that FLICKER (their light
// changes by flickLight from frame to frame, often: MinRate times in the
// Window on average over the region, a FlickerRatio share at least twice)
// and whose region GROWS or holds (MinGrowth). An orange floor, a wall in
// evening sun, a red car or a sign that was there before is background; a
// leg crossing that floor darkens it and changes the light only twice. A
// flame burning when the camera came online is found by its flicker over
// the background's running mean. A moving camera (a fifth of the picture
// changing at once) is followed: flicker is measured against where the
// picture was in the last frame (phase correlation), so a pan, a shake or
// a drone's drift does not flicker. The score is a logistic estimate from
// flicker and growth (Score). It cannot see flameless smouldering, flames
// hidden by smoke or fire smaller than MinArea; a white-hot core counts
// only by its coloured rim. It can be fooled by flickering red-orange
// lights (emergency beacons), red flags or clothes waving, and sunlight
// glinting on water.
//
// Smoke: greyish (low saturation) pixels that differ from a slowly learnt
// background, brought to the picture's exposure, without adding texture
// (smoke blurs what is behind it: the local Laplacian does not rise),
// persisting for seconds in a region whose top RISES steadily from an
// anchored base (in each third of SmokeAfter by a quarter of the rise, by
// Rise in all, the base moving by at most Anchor times that and staying
// inside the picture, the area growing by Spread). A car driving up the picture takes
// its base with it; a person who stood and left, a car's passing, an
// exposure change do not rise. It sees plumes against sky, buildings or
// forest; it cannot tell smoke from steam, dust or low cloud drifting up a
// slope, is blind to smoke in fog or at night, to smoke drifting sideways
// without rising, and a camera in fog (the whole picture greyed) is a
// global change, not a plume.
package fire

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/picture"
	"github.com/argus-edge/argus/edge/frame"
)

// Names of the registered detectors.
const (
	FireName  = "fire"
	SmokeName = "smoke"
)

// Width is the widest picture analysed.
const Width = 320

func init() {
	detect.Register(FireName, func(s detect.Settings) (detect.Detector, error) { return NewFire(s) })
	detect.Register(SmokeName, func(s detect.Settings) (detect.Detector, error) { return NewSmoke(s) })
}

// small is the downscaled colour picture both detectors start from: the
// frame's own small picture when it has one (made once for every
// detector), else a shrunk copy of its BGR plane.
type small struct {
	size  image.Point
	masks []detect.Polygon
	mask  []byte
	mat   gocv.Mat // the shrunk copy, when the frame had no small picture
	copy  []byte   // mat's pixels
	bgr   []byte   // the picture: the frame's (valid during Detect only) or copy
	gray  []byte   // the frame's small luma; nil when shrunk here
}

func newSmall(masks []detect.Polygon) small {
	return small{masks: masks, mat: gocv.NewMat()}
}

// load takes f's small picture or shrinks its BGR plane; ok is false on an
// idle-mode frame, resized is true when the size changed (state must
// start over).
func (s *small) load(f *frame.Frame) (ok, resized bool, err error) {
	if err := picture.Check(f); err != nil {
		return false, false, err
	}
	if !picture.HasColour(f) {
		return false, false, nil
	}
	var sz image.Point
	if picture.Small(f, Width, true) {
		sz = image.Pt(f.Small.Width, f.Small.Height)
		s.bgr, s.gray = f.Small.BGR, f.Small.Gray
	} else if sz, err = s.shrink(f); err != nil {
		return false, false, err
	}
	if sz != s.size {
		s.size = sz
		s.mask = picture.Mask(s.masks, sz.X, sz.Y)
		return true, true, nil
	}
	return true, false, nil
}

// shrink makes the small picture from f's full-size BGR plane.
func (s *small) shrink(f *frame.Frame) (image.Point, error) {
	m, err := picture.BGR(f)
	if err != nil {
		return image.Point{}, err
	}
	defer m.Close()
	sz := picture.Fit(f.Width, f.Height, Width)
	if err := picture.Shrink(m, &s.mat, sz); err != nil {
		return image.Point{}, err
	}
	if s.copy, err = picture.Bytes(s.mat, s.copy); err != nil {
		return image.Point{}, err
	}
	s.bgr, s.gray = s.copy, nil
	return sz, nil
}

func (s *small) close() {
	if s.mat.Ptr() != nil {
		s.mat.Close()
	}
}

// region is one 8-connected region of a binary map.
type region struct {
	rect  image.Rectangle
	area  int
	label uint16 // its value in the label map
}

// labeller finds the 8-connected regions of binary maps (0/255) of the
// small size. Its Mats live from frame to frame: new ones each frame
// cost more than the labelling.
type labeller struct {
	labels, stats, centroids gocv.Mat
}

func newLabeller() labeller {
	return labeller{labels: gocv.NewMat(), stats: gocv.NewMat(), centroids: gocv.NewMat()}
}

func (l *labeller) close() {
	for _, m := range []*gocv.Mat{&l.labels, &l.stats, &l.centroids} {
		if m.Ptr() != nil {
			m.Close()
		}
	}
}

// find returns the regions of at least minPixels and the label map, valid
// until the next call.
func (l *labeller) find(bin []byte, sz image.Point, minPixels int) ([]region, []uint16, error) {
	m, err := gocv.NewMatFromBytes(sz.Y, sz.X, gocv.MatTypeCV8U, bin)
	if err != nil {
		return nil, nil, fmt.Errorf("components: %w", err)
	}
	defer m.Close()
	// 16-bit labels: a 320-px picture has far fewer than 65536 regions.
	n := gocv.ConnectedComponentsWithStatsWithParams(m, &l.labels, &l.stats, &l.centroids, 8, gocv.MatTypeCV16U, gocv.CCL_DEFAULT)
	var out []region
	for k := 1; k < n; k++ {
		area := int(l.stats.GetIntAt(k, int(gocv.CC_STAT_AREA)))
		if area < minPixels {
			continue
		}
		x, y := int(l.stats.GetIntAt(k, int(gocv.CC_STAT_LEFT))), int(l.stats.GetIntAt(k, int(gocv.CC_STAT_TOP)))
		w, h := int(l.stats.GetIntAt(k, int(gocv.CC_STAT_WIDTH))), int(l.stats.GetIntAt(k, int(gocv.CC_STAT_HEIGHT)))
		out = append(out, region{rect: image.Rect(x, y, x+w, y+h), area: area, label: uint16(k)})
	}
	lab, err := l.labels.DataPtrUint16()
	if err != nil {
		return nil, nil, fmt.Errorf("components: %w", err)
	}
	return out, lab, nil
}

// minPixels converts a MinArea fraction to pixels of the small size.
func minPixels(minArea float64, sz image.Point, def float64) int {
	if minArea <= 0 {
		minArea = def
	}
	return max(4, int(minArea*float64(sz.X*sz.Y)))
}

// toBox converts a rectangle of the small picture to 0..1.
func toBox(r image.Rectangle, sz image.Point) detect.Box {
	return picture.ToBox(r, sz.X, sz.Y)
}

// bytesOf copies an 8-bit Mat into buf.
func bytesOf(m gocv.Mat, buf []byte) ([]byte, error) { return picture.Bytes(m, buf) }
