package rules

import (
	"math"

	"github.com/argus-edge/argus/edge/detect"
)

// refPoint is where a detection is, for zones, masks and lines. People and
// vehicles stand on the ground, so their box's bottom centre (the feet,
// the wheels) is used: a person whose head overlaps a fence zone from
// behind is not inside it. Everything else (fire, smoke, motion, camera
// health) uses the box centre.
func refPoint(d detect.Detection) detect.Point {
	if d.Kind == detect.Person || d.Kind == detect.Vehicle {
		return detect.Point{X: d.Box.X + d.Box.W/2, Y: d.Box.Y + d.Box.H}
	}
	return detect.Point{X: d.Box.X + d.Box.W/2, Y: d.Box.Y + d.Box.H/2}
}

// inside reports whether p is inside the polygon (even-odd rule).
func inside(poly detect.Polygon, p detect.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < (b.X-a.X)*(p.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

// insideAny reports whether p is inside one of the polygons.
func insideAny(polys []detect.Polygon, p detect.Point) bool {
	for _, poly := range polys {
		if inside(poly, p) {
			return true
		}
	}
	return false
}

// cross is the z of (b-a)×(p-a): its sign says on which side of the line
// a→b p lies. Picture coordinates have y down, so a negative value is on
// the left of someone walking from a to b.
func cross(a, b, p detect.Point) float64 {
	return (b.X-a.X)*(p.Y-a.Y) - (b.Y-a.Y)*(p.X-a.X)
}

// side is -1 left, +1 right, 0 on the line a→b.
func side(a, b, p detect.Point) int {
	switch c := cross(a, b, p); {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// segmentsCross reports whether segment p→q crosses segment a→b, given
// that p and q lie strictly on opposite sides of the line a→b.
func segmentsCross(p, q, a, b detect.Point) bool {
	s1, s2 := side(p, q, a), side(p, q, b)
	return s1 != s2 || s1 == 0
}

// iou is the intersection over union of two boxes.
func iou(a, b detect.Box) float64 {
	w := math.Min(a.X+a.W, b.X+b.W) - math.Max(a.X, b.X)
	h := math.Min(a.Y+a.H, b.Y+b.H) - math.Max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	inter := w * h
	return inter / (a.W*a.H + b.W*b.H - inter)
}

// centre is the middle of a box.
func centre(b detect.Box) detect.Point {
	return detect.Point{X: b.X + b.W/2, Y: b.Y + b.H/2}
}

// dist is the distance between two points.
func dist(a, b detect.Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
