package rules

import (
	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/edge/detect"
)

// Set is one version of a site's rule set: the validated document
// (configs/ruleset) compiled into what the engine runs. It is made by
// Parse (or LoadDir, ParseMessage); treat it as read-only afterwards.
// The document's fields (Site, Version, Shadow, Cameras…) and methods
// (Source, Location) are the set's.
type Set struct {
	*ruleset.Document

	planned map[string]*cameraPlan
}

// Derived kinds, computed from tracked objects rather than reported by a
// detector.
const (
	// Intrusion is an object inside a zone.
	Intrusion = ruleset.Intrusion
	// Loitering is an object staying in a zone for at least dwell.
	Loitering = ruleset.Loitering
	// LineCrossing is an object crossing a line.
	LineCrossing = ruleset.LineCrossing
)

// Defaults for keys left out of a rule (configs/ruleset's).
const (
	// DefaultEndAfter ends an anomaly 3s after its last matching detection.
	DefaultEndAfter = ruleset.DefaultEndAfter
	// DefaultUpdateEvery is the period of update events while ongoing.
	DefaultUpdateEvery = ruleset.DefaultUpdateEvery
	// DefaultSeverity is the middle of the scale.
	DefaultSeverity = ruleset.DefaultSeverity
	// Default is the camera key of the block for cameras not listed.
	Default = ruleset.Default
)

// block returns the camera's block: its own, or "*", or nil.
func (s *Set) block(camera string) *cameraPlan {
	if p, ok := s.planned[camera]; ok {
		return p
	}
	return s.planned[Default]
}

// Detectors returns the settings of the detectors camera runs, keyed by
// detector name, from its own block or the "*" block; nil when neither
// exists. The edge makes each with detect.New(name, settings).
func (s *Set) Detectors(camera string) map[string]detect.Settings {
	b := s.block(camera)
	if b == nil {
		return nil
	}
	out := make(map[string]detect.Settings, len(b.detectors))
	for name, d := range b.detectors {
		d.Camera = camera
		d.Masks = append([]detect.Polygon(nil), d.Masks...)
		out[name] = d
	}
	return out
}
