package replay

import (
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// collect folds a replay's anomaly events into anomalies: those of the
// live set (a replayed candidate is live in its own analysis) that
// started in the range (at or after from), but camera_offline, which
// footage cannot show (a recording's gap is not an outage seen). One
// still going on at the last frame ends there, open.
func collect(events []bus.Anomaly, from, last time.Time) []bus.ReplayAnomaly {
	var out []bus.ReplayAnomaly
	index := map[string]int{}
	for _, a := range events {
		if a.Shadow || a.Kind == bus.KindCameraOffline {
			continue
		}
		i, seen := index[a.ID]
		switch {
		case a.State == bus.StateStart && !seen:
			if a.FrameTime.Before(from) || a.FrameTime.After(last) {
				continue
			}
			index[a.ID] = len(out)
			out = append(out, bus.ReplayAnomaly{ID: a.ID, Camera: a.Camera, Kind: a.Kind, Rule: a.Rule,
				Severity: a.Severity, Score: a.Score, Box: a.Box, Start: a.FrameTime, End: bus.At(last), Open: true})
		case seen && !out[i].Open:
			// ended already
		case seen:
			out[i].Score = max(out[i].Score, a.Score)
			if a.State == bus.StateEnd && !a.FrameTime.After(last) {
				out[i].End, out[i].Open = a.FrameTime, false
			}
		}
	}
	return out
}
