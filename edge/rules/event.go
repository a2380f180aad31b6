package rules

import (
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

// State is where an anomaly is in its life.
type State string

// The states of an anomaly, as published.
const (
	// Start is the first event of an anomaly.
	Start State = "start"
	// Update repeats an ongoing anomaly every update_every.
	Update State = "update"
	// End is the last event of an anomaly.
	End State = "end"
)

// Event is one step of an anomaly, what the edge publishes on
// argus/v1/anomalies/<site>/<camera>.
type Event struct {
	// ID is the anomaly id, the same on all its events:
	// "<camera>.<rule>.<unix ms of the start frame>", with ".shadow" added
	// for a shadow set's anomalies. Ids and rule names cannot hold '.', so
	// it is unambiguous, and it is deterministic in the frames given.
	ID string
	// State is start, update or end.
	State State
	// Site is the rule set's site.
	Site string
	// Camera is the camera id.
	Camera string
	// Kind is the rule's kind (person, fire, intrusion, loitering, …).
	Kind string
	// Rule is the rule's name.
	Rule string
	// RuleVersion is the version of the set that produced this event; it
	// changes on an ongoing anomaly when a new version keeps its rule.
	RuleVersion int
	// Zone is the rule's zone name, or its line name for line_crossing.
	Zone string
	// Score is the highest score of the anomaly's detections so far.
	Score float64
	// Box is the box of the best-scoring matching detection of the latest
	// matching frame.
	Box detect.Box
	// Severity is the rule's severity.
	Severity string
	// Shadow marks events of a shadow set.
	Shadow bool
	// Started is the frame time of the start.
	Started time.Time
	// FrameTime is the time of the frame (or tick) that caused the event.
	FrameTime time.Time
}
