package bus

import (
	"errors"
	"fmt"
	"time"
)

// Replay actions of a Command: replay_start carries a ReplayOrder,
// replay_cancel names its id (ReplayOrder.ID only).
const (
	ActionReplayStart  = "replay_start"
	ActionReplayCancel = "replay_cancel"
)

// AllReplays is the filter for every edge's replay reports.
const AllReplays = Root + "/replays/+"

// KindReplay is the topic kind of replay reports.
const KindReplay Kind = "replay"

// ReplayTopic is where an edge reports a rule replay's progress and
// result (QoS 1, not retained).
func ReplayTopic(edge string) string { return Root + "/replays/" + edge }

// MaxReplaySpan bounds one replay's range: an operator's trial of a rule
// over a day of footage, not a camera's archive.
const MaxReplaySpan = 24 * time.Hour

// ReplayOrder asks an edge to run a candidate rule set over its recordings
// of [From, To) for some of its cameras.
type ReplayOrder struct {
	// ID names the replay (the gateway's); a-z 0-9 _ -.
	ID string `json:"id"`
	// Site is the site whose cameras are replayed.
	Site string `json:"site"`
	// Cameras are the cameras to replay, all of this edge's.
	Cameras []string `json:"cameras"`
	// Rules is the candidate rule set document, YAML or JSON text as
	// stored by the gateway; a shadow set runs as the live one would.
	Rules string `json:"rules"`
	// Version is the candidate's version, for the record.
	Version int `json:"version"`
	// From and To bound the footage replayed.
	From Time `json:"from"`
	To   Time `json:"to"`
}

// Validate says what is wrong with an order, if anything.
func (o ReplayOrder) Validate() error {
	var errs []error
	if err := ValidID(o.ID); err != nil {
		errs = append(errs, fmt.Errorf("id: %w", err))
	}
	if err := ValidID(o.Site); err != nil {
		errs = append(errs, fmt.Errorf("site: %w", err))
	}
	if len(o.Cameras) == 0 {
		errs = append(errs, errors.New("cameras: none"))
	}
	for i, c := range o.Cameras {
		if err := ValidID(c); err != nil {
			errs = append(errs, fmt.Errorf("cameras[%d]: %w", i, err))
		}
	}
	if len(o.Rules) == 0 {
		errs = append(errs, errors.New("rules: empty"))
	}
	switch {
	case o.From.IsZero() || o.To.IsZero():
		errs = append(errs, errors.New("from and to are required"))
	case !o.To.After(o.From.Time):
		errs = append(errs, fmt.Errorf("to (%s) is not after from (%s)", o.To.Format(time.RFC3339), o.From.Format(time.RFC3339)))
	case o.To.Sub(o.From.Time) > MaxReplaySpan:
		errs = append(errs, fmt.Errorf("the range is %s: at most %s", o.To.Sub(o.From.Time), MaxReplaySpan))
	}
	return errors.Join(errs...)
}

// Replay states of a ReplayReport.
const (
	ReplayQueued    = "queued"
	ReplayRunning   = "running"
	ReplayPaused    = "paused"
	ReplayDone      = "done"
	ReplayFailed    = "failed"
	ReplayCancelled = "cancelled"
)

// ReplayYieldMessage is a paused replay's message: it gave the CPU back.
const ReplayYieldMessage = "paused: live cameras need the CPU"

// ReplayReport is an edge's word on a replay: progress while it runs
// (about once a second and at every change of state), and once done the
// anomalies the candidate raised.
type ReplayReport struct {
	ID    string `json:"id"`
	Edge  string `json:"edge"`
	State string `json:"state"`
	// Fraction is the share of the recorded media time replayed, 0..1.
	Fraction float64 `json:"fraction"`
	// Media is the recorded media time replayed so far, Total all of it,
	// in seconds.
	Media float64 `json:"media_s"`
	Total float64 `json:"total_s"`
	// Rate is media seconds replayed per wall second while running (× real time).
	Rate float64 `json:"rate"`
	// CPURate is media seconds per CPU second of the edge's process while
	// the replay ran (× real time per core); 0 when not measured.
	CPURate float64 `json:"cpu_rate,omitempty"`
	// Message says why it is paused, failed or refused.
	Message string `json:"message,omitempty"`
	// Anomalies are what the candidate would have raised (State done).
	Anomalies []ReplayAnomaly `json:"anomalies,omitempty"`
	// Missing are the cameras asked for with no recording in the range.
	Missing []string `json:"missing,omitempty"`
	Time    Time     `json:"time"`
}

// Final tells whether the state is the replay's last.
func (r ReplayReport) Final() bool {
	return r.State == ReplayDone || r.State == ReplayFailed || r.State == ReplayCancelled
}

// ReplayAnomaly is one anomaly a replayed rule set raised, from its start
// to its end in frame time.
type ReplayAnomaly struct {
	// ID is the id it would have had live (<camera>.<rule>.<start ms>).
	ID       string     `json:"id"`
	Camera   string     `json:"camera"`
	Kind     string     `json:"kind"`
	Rule     string     `json:"rule"`
	Severity string     `json:"severity"`
	Score    float64    `json:"score"` // the highest over its events
	Box      [4]float64 `json:"box"`   // at its start
	Start    Time       `json:"start"`
	// End is its end's frame time; for one still going on when the range
	// ended, the range's last frame (Open).
	End  Time `json:"end"`
	Open bool `json:"open,omitempty"`
}
