package ruleset

import (
	"math"
	"slices"
	"time"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
)

// Document is one version of a site's rule set, as written by an operator.
// Parse (or ParseMessage, LoadDir) decodes and validates it; treat it as
// read-only afterwards.
type Document struct {
	// Site is the site id; it must match the file name or MQTT topic.
	Site string `yaml:"site"`
	// Version is required and must grow with every publication; an engine
	// refuses a set that is not newer than the one it runs.
	Version int `yaml:"version"`
	// Shadow marks a set that runs beside the live one and whose events
	// are published with shadow: true, to try a change on real traffic.
	Shadow bool `yaml:"shadow"`
	// Timezone is the IANA zone active_hours are read in (default UTC).
	Timezone string `yaml:"timezone"`
	// Cameras maps a camera id, or "*" for the site's cameras not listed,
	// to its block. A listed camera does not inherit from "*".
	Cameras map[string]Camera `yaml:"cameras"`

	source string
	loc    *time.Location
	notes  []strict.Problem
}

// Camera is the block of one camera (or of "*"): its detectors and rules.
type Camera struct {
	// Detectors maps a detector registry name (motion, objects, fire,
	// smoke, health) to its settings; listed detectors run, others do not.
	Detectors map[string]Detector `yaml:"detectors"`
	// Rules turn the detections into anomalies.
	Rules []Rule `yaml:"rules"`
}

// Detector holds the settings of one detector; each detector reads the
// ones it needs.
type Detector struct {
	// Threshold is a detector-specific sensitivity.
	Threshold float64 `yaml:"threshold"`
	// MinArea is the smallest region, as a fraction of the frame, reported.
	MinArea float64 `yaml:"min_area"`
	// MinScore is the lowest confidence reported.
	MinScore float64 `yaml:"min_score"`
	// Masks are areas the detector ignores.
	Masks []Polygon `yaml:"masks"`
	// Model names the model, for detectors that have several.
	Model string `yaml:"model"`
}

// Point is [x, y] in 0..1 from the top left of the picture.
type Point [2]float64

// Polygon is a closed area of at least three points.
type Polygon []Point

// Rule turns matching detections on one camera into anomalies.
type Rule struct {
	// Name is unique in the camera block; it is part of the anomaly id.
	Name string `yaml:"name"`
	// Kind is a detection kind (person, vehicle, fire, smoke, motion,
	// camera_*) or a derived kind: intrusion, loitering, line_crossing.
	Kind string `yaml:"kind"`
	// Objects are the detection kinds a derived kind watches (default
	// [person]); only person and vehicle are tracked.
	Objects []string `yaml:"objects"`
	// Zone restricts the rule to an area; intrusion and loitering need one.
	Zone *Zone `yaml:"zone"`
	// Masks are areas where detections are ignored by this rule.
	Masks []Polygon `yaml:"masks"`
	// MinScore drops detections of lower confidence.
	MinScore float64 `yaml:"min_score"`
	// MinArea drops boxes smaller than this fraction of the frame.
	MinArea float64 `yaml:"min_area"`
	// MaxArea drops boxes larger than this fraction of the frame (0: none).
	MaxArea float64 `yaml:"max_area"`
	// Dwell is how long an object stays in the zone before loitering.
	Dwell strict.Duration `yaml:"dwell"`
	// Line is the segment a line_crossing rule watches.
	Line *Line `yaml:"line"`
	// ActiveHours limits the rule to times of day in the set's timezone,
	// "22:00-06:00" or several ranges separated by commas; empty: always.
	ActiveHours string `yaml:"active_hours"`
	// MinDuration is how long the condition must hold before a start.
	MinDuration strict.Duration `yaml:"min_duration"`
	// Cooldown suppresses a new start of the rule for this long after an end.
	Cooldown strict.Duration `yaml:"cooldown"`
	// EndAfter is how long without matching detections ends the anomaly
	// (default 3s).
	EndAfter strict.Duration `yaml:"end_after"`
	// UpdateEvery is the period of update events while ongoing (default 10s).
	UpdateEvery strict.Duration `yaml:"update_every"`
	// Severity is info, low, medium (default), high or critical.
	Severity string `yaml:"severity"`
}

// Zone is a named area.
type Zone struct {
	// Name is published with the anomaly.
	Name string `yaml:"name"`
	// Polygon is the area, at least three points in 0..1.
	Polygon Polygon `yaml:"polygon"`
}

// Line is a named segment with a direction of crossing.
type Line struct {
	// Name is published with the anomaly (in its zone field).
	Name string `yaml:"name"`
	// From is one end of the segment.
	From Point `yaml:"from"`
	// To is the other end.
	To Point `yaml:"to"`
	// Direction is any (default), left_to_right or right_to_left, left and
	// right as seen walking the line from From to To on the picture.
	Direction string `yaml:"direction"`
}

// Derived kinds, computed from tracked objects rather than reported by a
// detector.
const (
	// Intrusion is an object inside a zone.
	Intrusion = bus.KindIntrusion
	// Loitering is an object staying in a zone for at least dwell.
	Loitering = bus.KindLoitering
	// LineCrossing is an object crossing a line.
	LineCrossing = bus.KindLineCrossing
)

// Line directions; left and right as seen walking the line from From to To.
const (
	// AnyDirection counts crossings both ways (the default).
	AnyDirection = "any"
	// LeftToRight counts crossings from the left side to the right side.
	LeftToRight = "left_to_right"
	// RightToLeft counts crossings from the right side to the left side.
	RightToLeft = "right_to_left"
)

// Defaults for keys left out of a rule.
const (
	// DefaultEndAfter ends an anomaly 3s after its last matching detection:
	// long enough to ride over a detector missing a few frames.
	DefaultEndAfter = 3 * time.Second
	// DefaultUpdateEvery reassures the console every 10s that an anomaly
	// still holds, without flooding the bus.
	DefaultUpdateEvery = 10 * time.Second
	// DefaultSeverity is the middle of the scale.
	DefaultSeverity = "medium"
	// Default is the camera key of the block for cameras not listed.
	Default = "*"
)

var (
	// DetectionKinds are what detectors report, the kinds a plain rule takes.
	DetectionKinds = []string{bus.KindMotion, bus.KindPerson, bus.KindVehicle, bus.KindFire, bus.KindSmoke,
		bus.KindCameraOffline, bus.KindCameraFrozen, bus.KindCameraCovered, bus.KindCameraTampered}
	// DerivedKinds are computed by the engine from tracked objects.
	DerivedKinds = []string{Intrusion, Loitering, LineCrossing}
	// TrackedKinds are the detection kinds the engine's tracker follows.
	TrackedKinds = []string{bus.KindPerson, bus.KindVehicle}
)

// Source names where the document was read from: a file or mqtt:<topic>.
func (d *Document) Source() string { return d.source }

// Location is the time zone active hours are read in.
func (d *Document) Location() *time.Location { return d.loc }

// Derived reports whether the rule's kind is computed from tracked objects.
func (r *Rule) Derived() bool { return slices.Contains(DerivedKinds, r.Kind) }

// WithDefaults returns a copy of a validated rule with the defaults of the
// keys left out filled in: objects [person], severity medium, end_after
// 3s, update_every 10s, a zone or line named after the rule, direction
// any. The document itself keeps what was written.
func (r Rule) WithDefaults() Rule {
	if r.Objects == nil { // an explicit [] watches nothing, as written
		r.Objects = []string{bus.KindPerson}
	}
	if r.Severity == "" {
		r.Severity = DefaultSeverity
	}
	if r.EndAfter == 0 {
		r.EndAfter = strict.Duration(DefaultEndAfter)
	}
	if r.UpdateEvery == 0 {
		r.UpdateEvery = strict.Duration(DefaultUpdateEvery)
	}
	if r.Zone != nil {
		z := *r.Zone
		if z.Name == "" {
			z.Name = r.Name
		}
		r.Zone = &z
	}
	if r.Line != nil {
		l := *r.Line
		if l.Name == "" {
			l.Name = r.Name
		}
		if l.Direction == "" {
			l.Direction = AnyDirection
		}
		r.Line = &l
	}
	return r
}

// Hours is the rule's active_hours parsed; nil (always) for a rule whose
// active_hours did not validate.
func (r *Rule) Hours() Hours {
	h, err := ParseHours(r.ActiveHours)
	if err != nil {
		return nil
	}
	return h
}

// Area is the absolute area of the polygon (shoelace formula).
func (p Polygon) Area() float64 {
	s := 0.0
	for i, j := 0, len(p)-1; i < len(p); j, i = i, i+1 {
		s += p[j][0]*p[i][1] - p[i][0]*p[j][1]
	}
	return math.Abs(s) / 2
}
