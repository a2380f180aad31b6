package rules

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/detect"
)

var (
	// idPattern is the edge config's: site and camera ids and rule names
	// are MQTT topic levels or parts of anomaly ids, so no '/', '+', '#'
	// or '.' (the anomaly id separator).
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	// detectionKinds are what detectors report (edge/detect).
	detectionKinds = []string{detect.Motion, detect.Person, detect.Vehicle, detect.Fire, detect.Smoke,
		detect.CameraOffline, detect.CameraFrozen, detect.CameraCovered, detect.CameraTampered}
	// derivedKinds are computed here from tracked objects.
	derivedKinds = []string{Intrusion, Loitering, LineCrossing}
	// objectKinds are the kinds the tracker follows.
	objectKinds = []string{detect.Person, detect.Vehicle}
	severities  = bus.Severities
	directions  = []string{"any", "left_to_right", "right_to_left"}
)

// validator checks a decoded set and compiles it into plans. detectors
// lists the valid detector names; nil accepts any.
type validator struct {
	ps        *strict.Problems
	detectors []string
}

// validate records every rule the set breaks and, when there is none,
// compiles it.
func (v *validator) validate(s *Set) {
	ps := v.ps
	switch {
	case s.Site == "" && !ps.Written("site"):
		ps.Add("site", "is required")
	case !idPattern.MatchString(s.Site):
		ps.Addf("site", "%q is not a valid site id: use 1 to 63 of a-z, 0-9, _ and -", s.Site)
	}
	switch {
	case !ps.Written("version"):
		ps.Add("version", "is required: a number that grows with every publication of the site's rules")
	case s.Version < 1:
		ps.Addf("version", "%d is not a positive integer", s.Version)
	}
	s.loc = time.UTC
	if s.Timezone != "" {
		loc, err := time.LoadLocation(s.Timezone)
		if err != nil || strings.HasPrefix(s.Timezone, "/") || s.Timezone == "Local" {
			// "Local" would make the rules depend on the edge's machine.
			ps.Addf("timezone", "%q is not an IANA time zone like Asia/Shanghai or Europe/Paris", s.Timezone)
		} else {
			s.loc = loc
		}
	}
	s.planned = map[string]*cameraPlan{}
	for _, id := range sortedKeys(s.Cameras) {
		path := strict.Child("cameras", id)
		if id != Default && !idPattern.MatchString(id) {
			ps.Addf(path, "%q is not a camera id (a-z, 0-9, _ and -) nor \"*\" (the site's other cameras)", id)
			continue
		}
		s.planned[id] = v.camera(path, id, s.Cameras[id])
	}
}

func (v *validator) camera(path, id string, c Camera) *cameraPlan {
	cp := &cameraPlan{detectors: map[string]detect.Settings{}}
	for _, name := range sortedKeys(c.Detectors) {
		dpath := strict.Child(path+".detectors", name)
		if v.detectors != nil && !slices.Contains(v.detectors, name) {
			v.ps.Addf(dpath, "unknown detector %q (registered: %s)", name, strings.Join(v.detectors, ", "))
			continue
		}
		d := c.Detectors[name]
		v.nonNegative(dpath+".threshold", d.Threshold)
		v.fraction(dpath+".min_area", d.MinArea)
		v.fraction(dpath+".min_score", d.MinScore)
		cp.detectors[name] = detect.Settings{Camera: id, Threshold: d.Threshold, MinArea: d.MinArea,
			MinScore: d.MinScore, Masks: v.polygons(dpath+".masks", d.Masks), Model: d.Model}
	}
	names := map[string]int{}
	for i, r := range c.Rules {
		rpath := strict.Index(path+".rules", i)
		if first, dup := names[r.Name]; dup && r.Name != "" {
			v.ps.Addf(rpath+".name", "%q is already the name of rules[%d]", r.Name, first)
			continue
		}
		names[r.Name] = i
		p := v.rule(rpath, r)
		cp.rules = append(cp.rules, p)
		cp.tracks = cp.tracks || p.kind == Loitering || p.kind == LineCrossing
	}
	return cp
}

// rule checks one rule, applies its defaults and compiles it.
func (v *validator) rule(path string, r Rule) *plan {
	ps := v.ps
	p := &plan{name: r.Name, kind: r.Kind, minScore: r.MinScore, minArea: r.MinArea, maxArea: r.MaxArea,
		dwell: r.Dwell.D(), minDuration: r.MinDuration.D(), cooldown: r.Cooldown.D(),
		endAfter: r.EndAfter.D(), updateEvery: r.UpdateEvery.D(), severity: r.Severity}
	switch {
	case r.Name == "":
		ps.Add(path+".name", "is required")
	case !idPattern.MatchString(r.Name):
		ps.Addf(path+".name", "%q is not a valid rule name: use 1 to 63 of a-z, 0-9, _ and -", r.Name)
	}
	derived := slices.Contains(derivedKinds, r.Kind)
	switch {
	case r.Kind == "":
		ps.Add(path+".kind", "is required")
	case !derived && !slices.Contains(detectionKinds, r.Kind):
		ps.Addf(path+".kind", "%q is not a kind: use one of %s", r.Kind,
			strings.Join(append(slices.Clone(detectionKinds), derivedKinds...), ", "))
	}
	p.objects = []string{detect.Person}
	if ps.Written(path + ".objects") {
		if !derived {
			ps.Add(path+".objects", "applies only to intrusion, loitering and line_crossing: a "+r.Kind+" rule watches "+r.Kind+" detections")
		}
		p.objects = r.Objects
		for i, o := range r.Objects {
			if !slices.Contains(objectKinds, o) {
				ps.Addf(strict.Index(path+".objects", i), "%q is not a tracked object kind: use person or vehicle", o)
			}
		}
	}
	if r.Zone != nil {
		p.zoneName = r.Zone.Name
		if p.zoneName == "" {
			p.zoneName = r.Name
		}
		p.zone = v.polygon(path+".zone.polygon", r.Zone.Polygon)
	} else if r.Kind == Intrusion || r.Kind == Loitering {
		ps.Add(path+".zone", "is required for "+r.Kind)
	}
	p.masks = v.polygons(path+".masks", r.Masks)
	v.fraction(path+".min_score", r.MinScore)
	v.fraction(path+".min_area", r.MinArea)
	v.fraction(path+".max_area", r.MaxArea)
	if r.MaxArea > 0 && r.MaxArea < r.MinArea {
		ps.Addf(path+".max_area", "%g is less than min_area %g", r.MaxArea, r.MinArea)
	}
	switch {
	case r.Kind == Loitering && r.Dwell <= 0:
		ps.Add(path+".dwell", "is required for loitering and must be more than 0, like 30s")
	case r.Kind != Loitering && ps.Written(path+".dwell"):
		ps.Add(path+".dwell", "applies only to loitering")
	}
	v.line(path, r, p)
	spans, err := parseHours(r.ActiveHours)
	if err != nil {
		ps.Add(path+".active_hours", err.Error())
	}
	p.hours = spans
	v.nonNegativeDuration(path+".min_duration", r.MinDuration)
	v.nonNegativeDuration(path+".cooldown", r.Cooldown)
	p.endAfter = v.positiveDuration(path+".end_after", r.EndAfter, DefaultEndAfter)
	p.updateEvery = v.positiveDuration(path+".update_every", r.UpdateEvery, DefaultUpdateEvery)
	if !ps.Written(path + ".severity") {
		p.severity = DefaultSeverity
	} else if !slices.Contains(severities, r.Severity) {
		ps.Addf(path+".severity", "%q is not one of %s", r.Severity, strings.Join(severities, ", "))
	}
	return p
}

// line checks a line_crossing rule's line.
func (v *validator) line(path string, r Rule, p *plan) {
	lpath := path + ".line"
	switch {
	case r.Kind == LineCrossing && r.Line == nil:
		v.ps.Add(lpath, "is required for line_crossing: {from: [x, y], to: [x, y]}")
		return
	case r.Kind != LineCrossing && r.Line != nil:
		v.ps.Add(lpath, "applies only to line_crossing")
		return
	case r.Line == nil:
		return
	}
	if r.MinDuration > 0 {
		v.ps.Add(path+".min_duration", "does not apply to line_crossing: a crossing is instantaneous")
	}
	l := r.Line
	seg := &segment{name: l.Name, a: v.point(lpath+".from", l.From), b: v.point(lpath+".to", l.To)}
	if seg.name == "" {
		seg.name = r.Name
	}
	if l.From == l.To {
		v.ps.Add(lpath+".to", "is the same point as from: a line needs two ends")
	}
	switch l.Direction {
	case "", "any":
	case "left_to_right":
		seg.dir = 1
	case "right_to_left":
		seg.dir = -1
	default:
		v.ps.Addf(lpath+".direction", "%q is not one of %s", l.Direction, strings.Join(directions, ", "))
	}
	p.line = seg
	p.zoneName = seg.name
}

func (v *validator) polygons(path string, polys []Polygon) []detect.Polygon {
	var out []detect.Polygon
	for i, poly := range polys {
		out = append(out, v.polygon(strict.Index(path, i), poly))
	}
	return out
}

// polygon checks a polygon: at least 3 points, all in the picture, with
// an area (points on one line would match nothing, silently).
func (v *validator) polygon(path string, poly Polygon) detect.Polygon {
	out := make(detect.Polygon, len(poly))
	for i, pt := range poly {
		out[i] = v.point(strict.Index(path, i), pt)
	}
	switch {
	case len(poly) < 3:
		v.ps.Addf(path, "a polygon needs at least 3 points [x, y], found %d", len(poly))
	case area(out) < 1e-9:
		v.ps.Add(path, "has no area: its points are on one line")
	}
	return out
}

func (v *validator) point(path string, pt Point) detect.Point {
	for _, c := range pt {
		if !(c >= 0 && c <= 1) { // written so that NaN fails too
			v.ps.Addf(path, "[%g, %g] is outside the picture: coordinates are fractions 0..1 from the top left", pt[0], pt[1])
			break
		}
	}
	return detect.Point{X: pt[0], Y: pt[1]}
}

func (v *validator) fraction(path string, f float64) {
	if !(f >= 0 && f <= 1) {
		v.ps.Addf(path, "%g is not between 0 and 1", f)
	}
}

func (v *validator) nonNegative(path string, f float64) {
	if !(f >= 0) || f > 1e9 {
		v.ps.Addf(path, "%g is not a number of 0 or more", f)
	}
}

func (v *validator) nonNegativeDuration(path string, d strict.Duration) {
	if d < 0 {
		v.ps.Addf(path, "%s is negative", d)
	}
}

// positiveDuration returns d, or def when the key was left out.
func (v *validator) positiveDuration(path string, d strict.Duration, def time.Duration) time.Duration {
	if !v.ps.Written(path) {
		return def
	}
	if d <= 0 {
		v.ps.Addf(path, "%s is not more than 0", d)
	}
	return d.D()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
