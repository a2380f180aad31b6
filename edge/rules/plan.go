package rules

import (
	"slices"
	"time"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/edge/detect"
)

// cameraPlan is a camera block compiled: what the engine runs per frame.
type cameraPlan struct {
	detectors map[string]detect.Settings
	rules     []*plan
	// tracks is set when a rule needs identities across frames, so that
	// cameras without loitering or line rules skip the tracker.
	tracks bool
}

// rule returns the compiled rule named name, or nil.
func (c *cameraPlan) rule(name string) *plan {
	for _, p := range c.rules {
		if p.name == name {
			return p
		}
	}
	return nil
}

// plan is one rule compiled, with defaults applied.
type plan struct {
	name, kind, severity string
	objects              []string
	zoneName             string
	zone                 detect.Polygon
	masks                []detect.Polygon
	line                 *segment
	hours                ruleset.Hours
	minScore, minArea    float64
	maxArea              float64
	dwell, minDuration   time.Duration
	cooldown, endAfter   time.Duration
	updateEvery          time.Duration
}

// segment is a compiled line; dir is 0 (any), 1 (left to right) or -1.
type segment struct {
	name string
	a, b detect.Point
	dir  int
}

// watches reports whether the rule looks at detections of kind.
func (p *plan) watches(kind string) bool {
	if p.kind == Intrusion || p.kind == Loitering || p.kind == LineCrossing {
		return slices.Contains(p.objects, kind)
	}
	return kind == p.kind
}

// onObjects reports whether the rule matches people or vehicles, which
// the objects detector reports.
func (p *plan) onObjects() bool {
	return slices.ContainsFunc(ruleset.TrackedKinds, p.watches)
}

// accepts applies the rule's kind, filters, masks and zone to d.
func (p *plan) accepts(d detect.Detection) bool {
	if !p.watches(d.Kind) || d.Score < p.minScore {
		return false
	}
	a := d.Box.W * d.Box.H
	if a < p.minArea || (p.maxArea > 0 && a > p.maxArea) {
		return false
	}
	at := refPoint(d)
	if insideAny(p.masks, at) {
		return false
	}
	return p.zone == nil || inside(p.zone, at)
}
