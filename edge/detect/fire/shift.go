package fire

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"
)

// shiftScale is how much smaller than the small picture the global shift
// is measured at: a quarter (80 px wide) keeps the phase correlation to
// about a tenth of the detector's cost, and still tells a shift to about
// a pixel of the small picture.
const shiftScale = 4

// shifter estimates the global shift of the picture from one frame to
// the next (a panning, shaken or drifting camera) by phase correlation
// of its luma, shrunk by shiftScale. People walking through the picture
// barely move the correlation's peak, unlike profiles or block sums.
type shifter struct {
	prev, cur, tmp gocv.Mat
	win            gocv.Mat // empty: no window
	have           bool
}

func newShifter() shifter {
	return shifter{prev: gocv.NewMat(), cur: gocv.NewMat(), tmp: gocv.NewMat(), win: gocv.NewMat()}
}

func (s *shifter) close() {
	for _, m := range []*gocv.Mat{&s.prev, &s.cur, &s.tmp, &s.win} {
		if m.Ptr() != nil {
			m.Close()
		}
	}
}

// forget drops the last frame: the next shift is measured from the one
// after it (the camera was still in between).
func (s *shifter) forget() { s.have = false }

// shift returns how far the picture moved since the last call, in whole
// pixels of the small picture (x right, y down): 0, 0 when it moved
// less than a pixel or the correlation is unsure (a flame's own flicker
// moves no picture).
func (s *shifter) shift(bgr []byte, sz image.Point) (dx, dy int, err error) {
	m, err := gocv.NewMatFromBytes(sz.Y, sz.X, gocv.MatTypeCV8UC3, bgr)
	if err != nil {
		return 0, 0, fmt.Errorf("shift: %w", err)
	}
	defer m.Close()
	small := image.Pt(max(1, sz.X/shiftScale), max(1, sz.Y/shiftScale))
	gocv.Resize(m, &s.tmp, small, 0, 0, gocv.InterpolationArea)
	gocv.CvtColor(s.tmp, &s.tmp, gocv.ColorBGRToGray)
	s.prev, s.cur = s.cur, s.prev
	s.tmp.ConvertTo(&s.cur, gocv.MatTypeCV32F)
	if !s.have || s.prev.Cols() != s.cur.Cols() || s.prev.Rows() != s.cur.Rows() {
		s.have = true
		return 0, 0, nil
	}
	p, resp := gocv.PhaseCorrelate(s.prev, s.cur, s.win)
	x, y := shiftScale*float64(p.X), shiftScale*float64(p.Y)
	if resp < 0.2 || math.Hypot(x, y) < 1 {
		return 0, 0, nil
	}
	return int(math.Round(x)), int(math.Round(y)), nil
}
