package airspace

import (
	"math"
	"slices"
)

// earthRadius is the mean radius of the WGS 84 ellipsoid, in metres.
const earthRadius = 6371008.8

// eps is the distance, in metres, under which a point counts as on a
// line: far below a GPS fix, far above float rounding at site scale.
const eps = 1e-6

// vec is a position in metres east (x) and north (y) of a projection's
// origin.
type vec struct{ x, y float64 }

func (a vec) sub(b vec) vec        { return vec{a.x - b.x, a.y - b.y} }
func (a vec) add(b vec) vec        { return vec{a.x + b.x, a.y + b.y} }
func (a vec) scale(k float64) vec  { return vec{a.x * k, a.y * k} }
func (a vec) cross(b vec) float64  { return a.x*b.y - a.y*b.x }
func (a vec) dot(b vec) float64    { return a.x*b.x + a.y*b.y }
func (a vec) norm() float64        { return math.Hypot(a.x, a.y) }
func (a vec) less(b vec) bool      { return a.x < b.x || a.x == b.x && a.y < b.y }
func lerp(a, b vec, t float64) vec { return a.add(b.sub(a).scale(t)) }
func orient(o, a, b vec) float64   { return a.sub(o).cross(b.sub(o)) }
func dist(a, b vec) float64        { return b.sub(a).norm() }

// projection is a local equirectangular projection: metres east and north
// of an origin, with the east scale taken at the origin's latitude. Over a
// site a few kilometres across its error is centimetres.
type projection struct{ lat0, lon0, kx, ky float64 }

// newProjection centres a projection on origin.
func newProjection(origin Point) projection {
	ky := earthRadius * math.Pi / 180
	return projection{lat0: origin.Lat, lon0: origin.Lon, kx: ky * math.Cos(origin.Lat*math.Pi/180), ky: ky}
}

// xy projects a WGS 84 point.
func (p projection) xy(q Point) vec {
	return vec{(q.Lon - p.lon0) * p.kx, (q.Lat - p.lat0) * p.ky}
}

// point is the inverse of xy.
func (p projection) point(v vec) Point {
	lon := p.lon0
	if p.kx != 0 {
		lon += v.x / p.kx
	}
	return Point{Lat: p.lat0 + v.y/p.ky, Lon: lon}
}

// polygon projects a polygon.
func (p projection) polygon(poly Polygon) []vec {
	out := make([]vec, len(poly))
	for i, q := range poly {
		out[i] = p.xy(q)
	}
	return out
}

// centre is the mean of a polygon's vertices, the origin of the site's
// projection; fallback when the polygon is empty.
func centre(poly Polygon, fallback Point) Point {
	if len(poly) == 0 {
		return fallback
	}
	var c Point
	for _, q := range poly {
		c.Lat += q.Lat
		c.Lon += q.Lon
	}
	return Point{Lat: c.Lat / float64(len(poly)), Lon: c.Lon / float64(len(poly))}
}

// onSegment reports whether p lies on segment ab, within eps.
func onSegment(p, a, b vec) bool {
	ab := b.sub(a)
	l := ab.norm()
	if l <= eps {
		return dist(p, a) <= eps
	}
	if math.Abs(ab.cross(p.sub(a)))/l > eps {
		return false
	}
	t := ab.dot(p.sub(a)) / (l * l)
	return t >= -eps/l && t <= 1+eps/l
}

// canonical orders a segment's ends, so that a result never depends on
// which way a segment was given.
func canonical(a, b vec) (vec, vec) {
	if b.less(a) {
		return b, a
	}
	return a, b
}

// segmentsMeet reports whether segments ab and cd share at least one
// point (crossing, touching or overlapping). The answer is the same
// whichever order the segments and their ends are given in.
func segmentsMeet(a, b, c, d vec) bool {
	a, b = canonical(a, b)
	c, d = canonical(c, d)
	if c.less(a) || c == a && d.less(b) {
		a, b, c, d = c, d, a, b
	}
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	if (d1 > 0 && d2 < 0 || d1 < 0 && d2 > 0) && (d3 > 0 && d4 < 0 || d3 < 0 && d4 > 0) {
		return true
	}
	return onSegment(a, c, d) || onSegment(b, c, d) || onSegment(c, a, b) || onSegment(d, a, b)
}

// crossings returns the parameters t in [0, 1] along ab where it meets
// the segment cd: one for a crossing or a touch, the ends of the overlap
// for collinear segments that overlap.
func crossings(a, b, c, d vec) []float64 {
	if !segmentsMeet(a, b, c, d) {
		return nil
	}
	ab, cd := b.sub(a), d.sub(c)
	den := ab.cross(cd)
	l2 := ab.dot(ab)
	if l2 == 0 {
		return []float64{0}
	}
	if math.Abs(den) > eps*math.Sqrt(l2)*cd.norm() { // not parallel
		t := c.sub(a).cross(cd) / den
		return []float64{clamp01(t)}
	}
	// Parallel and meeting: collinear; the overlap's ends, projected on ab.
	var ts []float64
	for _, p := range []vec{c, d} {
		if onSegment(p, a, b) {
			ts = append(ts, clamp01(ab.dot(p.sub(a))/l2))
		}
	}
	for _, t := range []float64{0, 1} {
		if onSegment(lerp(a, b, t), c, d) {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 { // nearly parallel, meeting within eps: where c falls on ab
		ts = append(ts, clamp01(ab.dot(c.sub(a))/l2))
	}
	return ts
}

func clamp01(t float64) float64 { return math.Max(0, math.Min(1, t)) }

// inside reports whether p is inside the closed polygon poly: on its
// boundary counts as inside.
func inside(poly []vec, p vec) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[j], poly[i]
		if onSegment(p, a, b) {
			return true
		}
		if (a.y > p.y) != (b.y > p.y) && p.x < a.x+(p.y-a.y)*(b.x-a.x)/(b.y-a.y) {
			in = !in
		}
	}
	return in
}

// cuts returns the sorted parameters along ab where it meets the edges of
// poly: between two consecutive ones, and 0 and 1, the segment is wholly
// inside or wholly outside the polygon.
func cuts(poly []vec, a, b vec) []float64 {
	var ts []float64
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		ts = append(ts, crossings(a, b, poly[j], poly[i])...)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// leaves returns where the segment ab first leaves the closed polygon
// poly, going from a to b, and whether it does. Whether it does is the
// same for ba: the work is done on the segment's canonical direction.
func leaves(poly []vec, a, b vec) (vec, bool) {
	p, q := canonical(a, b)
	ts := append(append([]float64{0}, cuts(poly, p, q)...), 1)
	var bad [][2]float64 // stretches of p→q outside the polygon
	if !inside(poly, p) {
		bad = append(bad, [2]float64{0, 0})
	}
	for i := 0; i+1 < len(ts); i++ {
		if ts[i+1] > ts[i] && !inside(poly, lerp(p, q, (ts[i]+ts[i+1])/2)) {
			bad = append(bad, [2]float64{ts[i], ts[i+1]})
		}
	}
	if !inside(poly, q) {
		bad = append(bad, [2]float64{1, 1})
	}
	if len(bad) == 0 {
		return vec{}, false
	}
	if p == a {
		return lerp(p, q, bad[0][0]), true
	}
	return lerp(p, q, bad[len(bad)-1][1]), true // from q's end, going back
}

// enters returns where the segment ab first touches the closed polygon
// poly, going from a to b, and whether it does. Whether it does is the
// same for ba.
func enters(poly []vec, a, b vec) (vec, bool) {
	p, q := canonical(a, b)
	var ts []float64 // parameters along p→q in or on the polygon
	if inside(poly, p) {
		ts = append(ts, 0)
	}
	ts = append(ts, cuts(poly, p, q)...)
	if inside(poly, q) {
		ts = append(ts, 1)
	}
	if len(ts) == 0 {
		return vec{}, false
	}
	if p == a {
		return lerp(p, q, slices.Min(ts)), true
	}
	return lerp(p, q, slices.Max(ts)), true
}

// selfCrossing returns the first two edges (by their first vertex) of
// poly that meet though they are not neighbours, or neighbours that fold
// back on each other, and where; ok is false for a simple polygon.
func selfCrossing(poly []vec) (i, j int, at vec, ok bool) {
	n := len(poly)
	for i := range n {
		a, b := poly[i], poly[(i+1)%n]
		for j := i + 1; j < n; j++ {
			c, d := poly[j], poly[(j+1)%n]
			switch {
			case j == i+1: // share b == c: fold back if d is on ab or a on cd
				if onSegment(d, a, b) || onSegment(a, c, d) {
					return i, j, b, true
				}
			case i == 0 && j == n-1: // share a == d
				if onSegment(c, a, b) || onSegment(b, c, d) {
					return i, j, a, true
				}
			default:
				if segmentsMeet(a, b, c, d) {
					ts := crossings(a, b, c, d)
					return i, j, lerp(a, b, ts[0]), true
				}
			}
		}
	}
	return 0, 0, vec{}, false
}

// area is the polygon's area in square metres (shoelace formula).
func area(poly []vec) float64 {
	s := 0.0
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		s += poly[j].cross(poly[i])
	}
	return math.Abs(s) / 2
}
