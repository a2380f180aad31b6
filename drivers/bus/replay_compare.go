package bus

import (
	"cmp"
	"slices"
)

// Sides of a ReplayRow.
const (
	// ReplayBoth: the candidate and the live version both raised it.
	ReplayBoth = "both"
	// ReplayOnlyCandidate: the candidate would add it.
	ReplayOnlyCandidate = "only_candidate"
	// ReplayOnlyLive: the candidate would miss it.
	ReplayOnlyLive = "only_live"
)

// ReplayRow is one line of a replay's comparison: a candidate's anomaly,
// a live one, or both when they match.
type ReplayRow struct {
	Side      string         `json:"side"`
	Camera    string         `json:"camera"`
	Kind      string         `json:"kind"`
	Candidate *ReplayAnomaly `json:"candidate,omitempty"`
	Live      *ReplayAnomaly `json:"live,omitempty"`
}

// CompareReplay matches a candidate's anomalies with the live version's
// over the same footage: the same camera and kind, and overlapping times
// (an open one lasts to its End). Each anomaly matches at most one of the
// other side, the earliest unmatched that overlaps it. Rows are by start.
func CompareReplay(candidate, live []ReplayAnomaly) []ReplayRow {
	byStart := func(a, b ReplayAnomaly) int { return a.Start.Compare(b.Start.Time) }
	candidate, live = slices.Clone(candidate), slices.Clone(live)
	slices.SortStableFunc(candidate, byStart)
	slices.SortStableFunc(live, byStart)
	used := make([]bool, len(live))
	var rows []ReplayRow
	for i := range candidate {
		c := &candidate[i]
		row := ReplayRow{Side: ReplayOnlyCandidate, Camera: c.Camera, Kind: c.Kind, Candidate: c}
		for j := range live {
			l := &live[j]
			if !used[j] && l.Camera == c.Camera && l.Kind == c.Kind && overlap(*c, *l) {
				used[j], row.Side, row.Live = true, ReplayBoth, l
				break
			}
		}
		rows = append(rows, row)
	}
	for j := range live {
		if !used[j] {
			rows = append(rows, ReplayRow{Side: ReplayOnlyLive, Camera: live[j].Camera, Kind: live[j].Kind, Live: &live[j]})
		}
	}
	slices.SortStableFunc(rows, func(a, b ReplayRow) int {
		return cmp.Or(a.start().Compare(b.start().Time), cmp.Compare(a.Camera, b.Camera))
	})
	return rows
}

func (r ReplayRow) start() Time {
	if r.Candidate != nil {
		return r.Candidate.Start
	}
	return r.Live.Start
}

// overlap tells whether two anomalies' [start, end] intervals meet.
func overlap(a, b ReplayAnomaly) bool {
	return !a.Start.After(b.End.Time) && !b.Start.After(a.End.Time)
}
