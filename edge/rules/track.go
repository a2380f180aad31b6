package rules

import (
	"slices"
	"sort"
	"time"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/edge/detect"
)

// Tracker tuning. Idle cameras are analysed on keyframes only (one frame
// every GOP, often 2 to 4 s), so a track must survive a few seconds
// unseen and match a box that moved.
const (
	// trackTTL drops a track unseen for this long.
	trackTTL = 5 * time.Second
	// minIoU matches a box to a track by overlap.
	minIoU = 0.2
	// maxJump matches by centre distance (fractions of the frame) when the
	// boxes do not overlap enough: small or fast objects at low frame rate.
	maxJump = 0.15
)

// track is one object followed across frames.
type track struct {
	id    int
	kind  string
	box   detect.Box
	first time.Time
	last  time.Time
}

// tracker gives person and vehicle detections identities across frames by
// greedy IoU matching with a centre-distance fallback. It is small on
// purpose: loitering and line crossing need "the same person" over
// seconds, not re-identification.
type tracker struct {
	next   int
	tracks []*track
}

// update matches this frame's detections to tracks, starting new tracks
// for the unmatched, and returns the track of each detection (nil for
// kinds that are not tracked).
func (tr *tracker) update(t time.Time, dets []detect.Detection) []*track {
	tr.tracks = slices.DeleteFunc(tr.tracks, func(k *track) bool { return t.Sub(k.last) > trackTTL })
	type pair struct {
		score float64
		ti    int
		di    int
	}
	var pairs []pair
	for di, d := range dets {
		if !slices.Contains(ruleset.TrackedKinds, d.Kind) {
			continue
		}
		for ti, k := range tr.tracks {
			if k.kind != d.Kind {
				continue
			}
			if o := iou(k.box, d.Box); o >= minIoU {
				pairs = append(pairs, pair{1 + o, ti, di}) // overlap beats distance
			} else if j := dist(centre(k.box), centre(d.Box)); j <= maxJump {
				pairs = append(pairs, pair{1 - j/maxJump, ti, di})
			}
		}
	}
	// Best pairs first; ties by track then detection keep it deterministic.
	sort.Slice(pairs, func(i, j int) bool {
		a, b := pairs[i], pairs[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.ti != b.ti {
			return a.ti < b.ti
		}
		return a.di < b.di
	})
	out := make([]*track, len(dets))
	used := make([]bool, len(tr.tracks))
	for _, p := range pairs {
		if used[p.ti] || out[p.di] != nil {
			continue
		}
		used[p.ti] = true
		k := tr.tracks[p.ti]
		k.box, k.last = dets[p.di].Box, t
		out[p.di] = k
	}
	for di, d := range dets {
		if out[di] == nil && slices.Contains(ruleset.TrackedKinds, d.Kind) {
			tr.next++
			k := &track{id: tr.next, kind: d.Kind, box: d.Box, first: t, last: t}
			tr.tracks = append(tr.tracks, k)
			out[di] = k
		}
	}
	return out
}

// alive reports whether the track id is still followed.
func (tr *tracker) alive(id int) bool {
	for _, k := range tr.tracks {
		if k.id == id {
			return true
		}
	}
	return false
}
