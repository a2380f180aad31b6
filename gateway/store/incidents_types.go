package store

import "time"

// Incident rules: which grouping rule made an incident (gateway/incidents).
const (
	RuleRepeat   = "repeat"   // the same kind on the same camera within a window
	RuleFlapping = "flapping" // a condition toggling more than N times in M minutes
	RuleArea     = "area"     // fire or smoke on cameras within a distance
	RuleOutage   = "outage"   // many camera_offline on one site within a minute
)

// Incident is one real event as command staff handle it: the anomalies
// grouped under it, how it spread and what people did.
type Incident struct {
	ID       string   `json:"id"`
	Rule     string   `json:"rule"` // RuleRepeat, RuleFlapping, RuleArea or RuleOutage
	Kind     string   `json:"kind"` // the members' kind: fire, camera_offline, …
	Title    string   `json:"title"`
	Site     string   `json:"site"`     // the first member's
	Sites    []string `json:"sites"`    // every member's, sorted
	Severity string   `json:"severity"` // Highest raised by spread and duration
	Highest  string   `json:"highest"`  // the highest member's severity
	State    string   `json:"state"`    // StatusOpen, StatusAcknowledged or StatusResolved
	Owner    string   `json:"owner,omitempty"`
	Cause    string   `json:"cause,omitempty"` // an outage's likely cause
	// PowerArea is the power supply area of an outage counted by power
	// area (the inventory's power_area of its cameras), "" for a site's.
	PowerArea string    `json:"power_area,omitempty"`
	Merged    string    `json:"merged,omitempty"` // the incident this one was folded into
	Cameras   []string  `json:"cameras"`          // sorted; at most MaxIncidentCameras
	Count     int       `json:"count"`            // member anomalies (or, flapping, starts)
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	// Notes are what people wrote, oldest first.
	Notes []IncidentNote `json:"notes"`
	// Timeline is the members' starts and ends and people's actions,
	// oldest first: the latest MaxTimeline, read with one incident.
	Timeline []IncidentEntry `json:"timeline,omitempty"`
}

// MaxTimeline bounds the timeline read with an incident: a storm's outage
// has thousands of lines, the latest are what a person reads.
const MaxTimeline = 500

// MaxIncidentCameras bounds the camera list an incident carries; the
// members list them all.
const MaxIncidentCameras = 100

// IncidentNote is one note on an incident.
type IncidentNote struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Text string    `json:"text"`
}

// IncidentEntry is one line of an incident's timeline: an anomaly's start
// or end (Anomaly set), or an action (By set: ack, resolve, note, assign, merged).
type IncidentEntry struct {
	At      time.Time `json:"at"`
	What    string    `json:"what"` // start, end, ack, resolve, note, assign, merged, flapping
	Anomaly string    `json:"anomaly,omitempty"`
	Camera  string    `json:"camera,omitempty"`
	Kind    string    `json:"kind,omitempty"`
	By      string    `json:"by,omitempty"`
	Text    string    `json:"text,omitempty"`
}

// IncidentMember is one anomaly grouped under an incident.
type IncidentMember struct {
	Anomaly string    `json:"anomaly"`
	Camera  string    `json:"camera"`
	Site    string    `json:"site"`
	Edge    string    `json:"edge,omitempty"`
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"` // when it joined
}

// IncidentQuery filters and pages Incidents; the zero value is the newest page of all.
type IncidentQuery struct {
	Site   string   // one site; "" for all allowed
	Sites  []string // when not nil, only incidents touching these sites (the caller's scope)
	State  string   // "", open, acknowledged or resolved
	Kind   string
	Limit  int
	Cursor string
}

// IncidentChange is one write of PutIncidents: the incident as it is now,
// the members it gained and its timeline's new lines.
type IncidentChange struct {
	Incident Incident
	Added    []IncidentMember
	Entries  []IncidentEntry
}
