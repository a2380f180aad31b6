package objects

import (
	"image"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/picture"
)

// Crop planning.
const (
	// margin grows a motion region on every side, as a fraction of its
	// longer side, so the whole person is in the crop, not just the arm
	// that moved.
	margin = 0.3
	// minCrop is the smallest crop side in pixels.
	minCrop = 48
	// maxCrops: more regions than this cost more than one whole frame.
	maxCrops = 4
	// wholeFraction: crops covering more of the frame than this are
	// replaced by the whole frame.
	wholeFraction = 0.45
)

// plan turns motion regions into crops of a w×h frame, in pixels. It
// returns the whole frame when regions is nil, many or large; whole tells
// which.
func plan(regions []detect.Box, w, h int) (crops []image.Rectangle, whole bool) {
	all := []image.Rectangle{image.Rect(0, 0, w, h)}
	if regions == nil {
		return all, true
	}
	frame := image.Rect(0, 0, w, h)
	for _, b := range regions {
		r := picture.FromBox(b, w, h)
		m := int(margin * float64(max(r.Dx(), r.Dy())))
		r = r.Inset(-m)
		if d := minCrop - r.Dx(); d > 0 {
			r.Min.X, r.Max.X = r.Min.X-d/2, r.Max.X+d-d/2
		}
		if d := minCrop - r.Dy(); d > 0 {
			r.Min.Y, r.Max.Y = r.Min.Y-d/2, r.Max.Y+d-d/2
		}
		if r = r.Intersect(frame); !r.Empty() {
			crops = append(crops, r)
		}
	}
	crops = union(crops)
	area := 0
	for _, c := range crops {
		area += c.Dx() * c.Dy()
	}
	if len(crops) > maxCrops || float64(area) > wholeFraction*float64(w*h) {
		return all, true
	}
	return crops, false
}

// union merges overlapping rectangles until none overlap.
func union(rs []image.Rectangle) []image.Rectangle {
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(rs) && !merged; i++ {
			for j := i + 1; j < len(rs); j++ {
				if rs[i].Overlaps(rs[j]) {
					rs[i] = rs[i].Union(rs[j])
					rs = append(rs[:j], rs[j+1:]...)
					merged = true
					break
				}
			}
		}
	}
	return rs
}

// bound is the smallest rectangle holding all of rs.
func bound(rs []image.Rectangle) image.Rectangle {
	var b image.Rectangle
	for _, r := range rs {
		b = b.Union(r)
	}
	return b
}
