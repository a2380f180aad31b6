package ruleset

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
)

var (
	// idPattern is the edge config's: site and camera ids and rule names
	// are MQTT topic levels or parts of anomaly ids, so no '/', '+', '#'
	// or '.' (the anomaly id separator).
	idPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	directions = []string{AnyDirection, LeftToRight, RightToLeft}
)

// validator checks a decoded document, recording every rule it breaks.
// detectors lists the valid detector names; nil accepts any.
type validator struct {
	ps        *strict.Problems
	detectors []string
	notes     []strict.Problem // not errors: what the set implies (implied.go)
}

// validate checks the document's top level and every camera block, and
// sets its location.
func (v *validator) validate(d *Document) {
	ps := v.ps
	switch {
	case d.Site == "" && !ps.Written("site"):
		ps.Add("site", "is required")
	case !idPattern.MatchString(d.Site):
		ps.Addf("site", "%q is not a valid site id: use 1 to 63 of a-z, 0-9, _ and -", d.Site)
	}
	switch {
	case !ps.Written("version"):
		ps.Add("version", "is required: a number that grows with every publication of the site's rules")
	case d.Version < 1:
		ps.Addf("version", "%d is not a positive integer", d.Version)
	}
	d.loc = time.UTC
	if d.Timezone != "" {
		loc, err := time.LoadLocation(d.Timezone)
		if err != nil || strings.HasPrefix(d.Timezone, "/") || d.Timezone == "Local" {
			// "Local" would make the rules depend on the edge's machine.
			ps.Addf("timezone", "%q is not an IANA time zone like Asia/Shanghai or Europe/Paris", d.Timezone)
		} else {
			d.loc = loc
		}
	}
	for _, id := range slices.Sorted(maps.Keys(d.Cameras)) {
		path := strict.Child("cameras", id)
		if id != Default && !idPattern.MatchString(id) {
			ps.Addf(path, "%q is not a camera id (a-z, 0-9, _ and -) nor \"*\" (the site's other cameras)", id)
			continue
		}
		v.camera(path, d.Cameras[id])
	}
}

func (v *validator) camera(path string, c Camera) {
	v.impliedMotion(path, c)
	for _, name := range slices.Sorted(maps.Keys(c.Detectors)) {
		dpath := strict.Child(path+".detectors", name)
		if v.detectors != nil && !slices.Contains(v.detectors, name) {
			v.ps.Addf(dpath, "unknown detector %q (registered: %s)", name, strings.Join(v.detectors, ", "))
			continue
		}
		d := c.Detectors[name]
		v.nonNegative(dpath+".threshold", d.Threshold)
		v.fraction(dpath+".min_area", d.MinArea)
		v.fraction(dpath+".min_score", d.MinScore)
		v.polygons(dpath+".masks", d.Masks)
	}
	names := map[string]int{}
	for i, r := range c.Rules {
		rpath := strict.Index(path+".rules", i)
		if first, dup := names[r.Name]; dup && r.Name != "" {
			v.ps.Addf(rpath+".name", "%q is already the name of rules[%d]", r.Name, first)
			continue
		}
		names[r.Name] = i
		v.rule(rpath, r)
	}
}

// rule checks one rule.
func (v *validator) rule(path string, r Rule) {
	ps := v.ps
	switch {
	case r.Name == "":
		ps.Add(path+".name", "is required")
	case !idPattern.MatchString(r.Name):
		ps.Addf(path+".name", "%q is not a valid rule name: use 1 to 63 of a-z, 0-9, _ and -", r.Name)
	}
	derived := r.Derived()
	switch {
	case r.Kind == "":
		ps.Add(path+".kind", "is required")
	case !derived && !slices.Contains(DetectionKinds, r.Kind):
		ps.Addf(path+".kind", "%q is not a kind: use one of %s", r.Kind,
			strings.Join(append(slices.Clone(DetectionKinds), DerivedKinds...), ", "))
	}
	if ps.Written(path + ".objects") {
		if !derived {
			ps.Add(path+".objects", "applies only to intrusion, loitering and line_crossing: a "+r.Kind+" rule watches "+r.Kind+" detections")
		}
		for i, o := range r.Objects {
			if !slices.Contains(TrackedKinds, o) {
				ps.Addf(strict.Index(path+".objects", i), "%q is not a tracked object kind: use person or vehicle", o)
			}
		}
	}
	if r.Zone != nil {
		v.polygon(path+".zone.polygon", r.Zone.Polygon)
	} else if r.Kind == Intrusion || r.Kind == Loitering {
		ps.Add(path+".zone", "is required for "+r.Kind)
	}
	v.polygons(path+".masks", r.Masks)
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
	v.line(path, r)
	if _, err := ParseHours(r.ActiveHours); err != nil {
		ps.Add(path+".active_hours", err.Error())
	}
	v.nonNegativeDuration(path+".min_duration", r.MinDuration)
	v.nonNegativeDuration(path+".cooldown", r.Cooldown)
	v.positiveDuration(path+".end_after", r.EndAfter)
	v.positiveDuration(path+".update_every", r.UpdateEvery)
	if ps.Written(path+".severity") && !slices.Contains(bus.Severities, r.Severity) {
		ps.Addf(path+".severity", "%q is not one of %s", r.Severity, strings.Join(bus.Severities, ", "))
	}
}

// line checks a line_crossing rule's line.
func (v *validator) line(path string, r Rule) {
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
	v.point(lpath+".from", l.From)
	v.point(lpath+".to", l.To)
	if l.From == l.To {
		v.ps.Add(lpath+".to", "is the same point as from: a line needs two ends")
	}
	if l.Direction != "" && !slices.Contains(directions, l.Direction) {
		v.ps.Addf(lpath+".direction", "%q is not one of %s", l.Direction, strings.Join(directions, ", "))
	}
}

func (v *validator) polygons(path string, polys []Polygon) {
	for i, poly := range polys {
		v.polygon(strict.Index(path, i), poly)
	}
}

// polygon checks a polygon: at least 3 points, all in the picture, with
// an area (points on one line would match nothing, silently).
func (v *validator) polygon(path string, poly Polygon) {
	for i, pt := range poly {
		v.point(strict.Index(path, i), pt)
	}
	switch {
	case len(poly) < 3:
		v.ps.Addf(path, "a polygon needs at least 3 points [x, y], found %d", len(poly))
	case poly.Area() < 1e-9:
		v.ps.Add(path, "has no area: its points are on one line")
	}
}

func (v *validator) point(path string, pt Point) {
	for _, c := range pt {
		if !(c >= 0 && c <= 1) { // written so that NaN fails too
			v.ps.Addf(path, "[%g, %g] is outside the picture: coordinates are fractions 0..1 from the top left", pt[0], pt[1])
			break
		}
	}
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

// positiveDuration checks a duration that, when written, must be above 0
// (left out, it takes its default).
func (v *validator) positiveDuration(path string, d strict.Duration) {
	if v.ps.Written(path) && d <= 0 {
		v.ps.Addf(path, "%s is not more than 0", d)
	}
}
