package fire

import (
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"
)

// MoveBelow is the global shift between two frames (pixels of a picture
// 320 wide) from which the camera is taken to be moving: panning,
// shaken, a drone flying. A moving view changes everywhere, so neither
// its background nor its flicker says anything about flames.
const MoveBelow = 1.5

// shifter estimates the global shift from one frame to the next by phase
// correlation on the luma at half the small size.
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

// reset forgets the last frame (a new size).
func (s *shifter) reset() { s.have = false }

// shift returns how far the picture moved since the last call, in its
// own pixels (x right, y down), and how sure the correlation is (0..1).
func (s *shifter) shift(bgr []byte, sz image.Point) (dx, dy, resp float64, err error) {
	m, err := gocv.NewMatFromBytes(sz.Y, sz.X, gocv.MatTypeCV8UC3, bgr)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("shift: %w", err)
	}
	defer m.Close()
	gocv.CvtColor(m, &s.tmp, gocv.ColorBGRToGray)
	half := image.Pt(max(1, sz.X/2), max(1, sz.Y/2))
	gocv.Resize(s.tmp, &s.tmp, half, 0, 0, gocv.InterpolationArea)
	s.prev, s.cur = s.cur, s.prev
	s.tmp.ConvertTo(&s.cur, gocv.MatTypeCV32F)
	if !s.have || s.prev.Cols() != s.cur.Cols() || s.prev.Rows() != s.cur.Rows() {
		s.have = true
		return 0, 0, 0, nil
	}
	p, resp := gocv.PhaseCorrelate(s.prev, s.cur, s.win)
	return 2 * float64(p.X), 2 * float64(p.Y), resp, nil
}

// whole rounds a shift to whole pixels: 0, 0 when it is under a pixel
// or the correlation unsure (a flame's own flicker moves no picture).
func whole(dx, dy, resp float64) (int, int) {
	if resp < 0.2 || math.Hypot(dx, dy) < 1 {
		return 0, 0
	}
	return int(math.Round(dx)), int(math.Round(dy))
}
