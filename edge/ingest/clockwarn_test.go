package ingest

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/rtsp"
)

// TestClockWarnings: of a camera's clock changes, a warning is logged at
// most once per ClockWarnEvery, with the count of changes left unlogged
// since; a recovery is logged after a logged warning only; a healthy
// camera logs its trusted clock at every pull.
func TestClockWarnings(t *testing.T) {
	const off, ok = rtsp.ClockArrival, rtsp.ClockRTCP
	type change struct {
		at       time.Duration // since the start
		source   string
		logged   bool
		unlogged int
	}
	min := func(n float64) time.Duration { return time.Duration(n * float64(time.Minute)) }
	for _, tc := range []struct {
		name    string
		changes []change
	}{
		{"healthy camera, three pulls", []change{{0, ok, true, 0}, {min(1), ok, true, 0}, {min(2), ok, true, 0}}},
		{"flapping near the limit", []change{
			{0, ok, true, 0}, {min(1), off, true, 0}, {min(1.5), ok, true, 0}, // warned, then its recovery
			{min(2), off, false, 0}, {min(2.5), ok, false, 0}, {min(3), off, false, 0}, {min(9), ok, false, 0},
			{min(11), off, true, 4}, // 10 minutes on: warned again, with what was silenced
			{min(12), ok, true, 0},
		}},
		{"off from the start, for good", []change{{0, off, true, 0}, {min(30), off, true, 0}}},
		{"off at each reconnect", []change{{0, off, true, 0}, {min(0.5), off, false, 0}, {min(5), off, false, 0}, {min(10), off, true, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := clockWarnings{every: ClockWarnEvery}
			t0 := time.Now()
			for i, ch := range tc.changes {
				logged, unlogged := c.note(ch.source, t0.Add(ch.at))
				if logged != ch.logged || unlogged != ch.unlogged {
					t.Errorf("change %d (%s at %s): logged %v (%d unlogged), want %v (%d)", i, ch.source, ch.at, logged, unlogged, ch.logged, ch.unlogged)
				}
			}
		})
	}
}
