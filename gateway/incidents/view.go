package incidents

import (
	"math"

	"github.com/argus-edge/argus/drivers/bus"
)

// View is what a fixed camera sees on the ground: the sector from its
// location along Heading (degrees clockwise from north) spanning FOV
// degrees, out to Range metres (the inventory's view; store.CameraView).
type View struct {
	Heading, FOV, Range float64
}

// sight is a located camera as the area rule compares them.
type sight struct {
	at   bus.Geo
	view *View // nil: unknown, compared by distance
}

// sameSpot tells whether two cameras can be seeing one fire. With both
// views known it is whether their sectors overlap, however far apart the
// cameras stand (two hilltops looking at one valley) and however close
// (two cameras on one pole looking away from each other do not). Without
// a view on either side it is the distance rule.
func sameSpot(a, b sight, distance float64) bool {
	if a.view == nil || b.view == nil {
		return near(a.at, b.at, distance)
	}
	if !near(a.at, b.at, a.view.Range+b.view.Range) {
		return false
	}
	return sectorsOverlap(a, b)
}

// viewSamples are the steps along each edge and across a sector's range
// at which sectorsOverlap tries points: a fire is metres wide, a view
// hundreds of metres long.
const viewSamples = 12

// sectorsOverlap tells whether a point of a's sector lies in b's or one of
// b's in a's: each sector is sampled along its rays and arcs in a local
// flat frame (metres east and north of a), exact enough within a few km.
func sectorsOverlap(a, b sight) bool {
	bx, by := offset(a.at, b.at)
	return sampled(0, 0, *a.view, func(x, y float64) bool { return inSector(x-bx, y-by, *b.view) }) ||
		sampled(bx, by, *b.view, func(x, y float64) bool { return inSector(x, y, *a.view) })
}

// sampled calls in for points of the sector of v at (ox, oy) until one is
// inside: on viewSamples rays across the field of view, at viewSamples
// distances out to the range.
func sampled(ox, oy float64, v View, in func(x, y float64) bool) bool {
	for i := 0; i <= viewSamples; i++ {
		bearing := v.Heading - v.FOV/2 + v.FOV*float64(i)/viewSamples
		s, c := math.Sincos(bearing * math.Pi / 180)
		for j := 1; j <= viewSamples; j++ {
			r := v.Range * float64(j) / viewSamples
			if in(ox+s*r, oy+c*r) {
				return true
			}
		}
	}
	return false
}

// inSector tells whether the point (x, y) metres east and north of a
// camera lies in its view v.
func inSector(x, y float64, v View) bool {
	d := math.Hypot(x, y)
	if d > v.Range {
		return false
	}
	if d < 1 || v.FOV >= 360 {
		return true
	}
	bearing := math.Atan2(x, y) * 180 / math.Pi
	diff := math.Mod(bearing-v.Heading+540, 360) - 180
	return math.Abs(diff) <= v.FOV/2
}

// offset is b in metres east and north of a (equirectangular, fine within a few km).
func offset(a, b bus.Geo) (x, y float64) {
	lat := (a.Lat + b.Lat) / 2 * math.Pi / 180
	return (b.Lon - a.Lon) * metresPerDegree * math.Cos(lat), (b.Lat - a.Lat) * metresPerDegree
}
