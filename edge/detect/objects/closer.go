package objects

import (
	"image"
	"time"
)

// When to look closer (in tiles, tiles.go) at a crop the model shrinks a
// lot. Tiles cost two more forwards, so a camera pays them only where a
// closer look can change the answer:
//   - the model saw a vehicle it is unsure of (a score below min_score)
//     where something moves;
//   - something moves that nothing the model found explains — cars from
//     above, small people far away — at most once a second, since flames,
//     water and trees move too and tiles find nothing there;
//   - every frame for a few seconds after a closer look found what the
//     single look missed, while that lasts.
//
// A fire camera with flames moving thus pays 1.4 forwards a frame at 5
// analysed frames a second instead of 3; a street seen from the side,
// where the model is sure of its cars and people, 1.
const (
	closerEvery = time.Second     // unexplained motion: a closer look at most this often
	closerKeep  = 3 * time.Second // after a closer look found more: every frame this long
)

// closer is one camera's record of its closer looks.
type closer struct {
	last time.Time // the frame time of the latest closer look
	keep time.Time // look closer at every frame until then
}

// due tells whether the frame at t needs a closer look, given the single
// look's candidates, those that are sure (min_score and more) and the
// moving regions (nil for a whole-frame look).
func (c *closer) due(t time.Time, unsure bool, sure []candidate, moving []image.Rectangle) bool {
	switch {
	case unsure || t.Before(c.keep):
		return true
	case !unexplained(moving, sure):
		return false
	default:
		return c.last.IsZero() || t.Sub(c.last) >= closerEvery || t.Before(c.last)
	}
}

// looked records a closer look at t; found is whether it found something
// the single look did not.
func (c *closer) looked(t time.Time, found bool) {
	c.last = t
	if found {
		c.keep = t.Add(closerKeep)
	}
}

// unexplained tells whether a moving region touches no sure candidate.
func unexplained(moving []image.Rectangle, sure []candidate) bool {
	rects := make([]image.Rectangle, len(sure))
	for i, c := range sure {
		rects[i] = c.rect
	}
	for _, m := range moving {
		if !touches(m, rects) {
			return true
		}
	}
	return false
}

// foundMore tells whether the closer look found a candidate (scoring the
// floor or more) that none of the single look's overlaps much: even a weak
// one is what the second look needs seen again.
func foundMore(closer, single []candidate) bool {
	for _, c := range closer {
		if !overlapsMuch(c.rect, single) {
			return true
		}
	}
	return false
}
