package rules

import (
	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/edge/detect"
)

// compile turns a validated document into the plans the engine runs,
// with the defaults of the keys left out applied (ruleset.Rule.WithDefaults).
func compile(d *ruleset.Document) *Set {
	s := &Set{Document: d, planned: make(map[string]*cameraPlan, len(d.Cameras))}
	for id, c := range d.Cameras {
		s.planned[id] = compileCamera(id, c)
	}
	return s
}

func compileCamera(id string, c ruleset.Camera) *cameraPlan {
	cp := &cameraPlan{detectors: make(map[string]detect.Settings, len(c.Detectors))}
	for name, d := range c.Detectors {
		cp.detectors[name] = detect.Settings{Camera: id, Threshold: d.Threshold, MinArea: d.MinArea,
			MinScore: d.MinScore, Masks: polygons(d.Masks), Model: d.Model}
	}
	if c.ImpliesMotion() {
		// Fire, smoke and objects run only where motion is seen: without
		// a motion detector the camera would never leave idle and they
		// would never run. Validation noted it (Document.Notes).
		cp.detectors[ruleset.Motion] = detect.Settings{Camera: id}
	}
	for _, r := range c.Rules {
		p := compileRule(r.WithDefaults())
		cp.rules = append(cp.rules, p)
		cp.tracks = cp.tracks || p.kind == Loitering || p.kind == LineCrossing
	}
	return cp
}

// compileRule compiles one rule whose defaults are filled in.
func compileRule(r ruleset.Rule) *plan {
	p := &plan{name: r.Name, kind: r.Kind, severity: r.Severity, objects: r.Objects, masks: polygons(r.Masks),
		hours: r.Hours(), minScore: r.MinScore, minArea: r.MinArea, maxArea: r.MaxArea,
		dwell: r.Dwell.D(), minDuration: r.MinDuration.D(), cooldown: r.Cooldown.D(),
		endAfter: r.EndAfter.D(), updateEvery: r.UpdateEvery.D()}
	if r.Zone != nil {
		p.zoneName, p.zone = r.Zone.Name, polygon(r.Zone.Polygon)
	}
	if l := r.Line; l != nil {
		p.line = &segment{name: l.Name, a: point(l.From), b: point(l.To), dir: direction(l.Direction)}
		p.zoneName = l.Name
	}
	return p
}

// direction is the sign of a crossing a line counts: 1 left to right, -1
// right to left, 0 either.
func direction(d string) int {
	switch d {
	case ruleset.LeftToRight:
		return 1
	case ruleset.RightToLeft:
		return -1
	}
	return 0
}

func polygons(polys []ruleset.Polygon) []detect.Polygon {
	var out []detect.Polygon
	for _, poly := range polys {
		out = append(out, polygon(poly))
	}
	return out
}

func polygon(poly ruleset.Polygon) detect.Polygon {
	out := make(detect.Polygon, len(poly))
	for i, pt := range poly {
		out[i] = point(pt)
	}
	return out
}

func point(pt ruleset.Point) detect.Point { return detect.Point{X: pt[0], Y: pt[1]} }
