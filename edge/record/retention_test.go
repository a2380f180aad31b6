package record

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
)

// recordWithClips records 40 s of a camera continuously with two
// anomalies, a1 at 12 s and a2 at 28 s, each lasting 2 s, and closes the
// recorder.
func recordWithClips(t *testing.T, dir string) (*Recorder, time.Time) {
	t.Helper()
	sc := scene(t, sim.H264)
	r, h := newRecorder(t, dir, Options{PreRoll: 5 * time.Second, PostRoll: 2 * time.Second},
		map[string]Policy{"cam": {Mode: ModeContinuous}})
	start := start0
	events := []bus.Anomaly{
		anomaly("a1", "cam", bus.StateStart, start.Add(12*time.Second)),
		anomaly("a1", "cam", bus.StateEnd, start.Add(14*time.Second)),
		anomaly("a2", "cam", bus.StateStart, start.Add(28*time.Second)),
		anomaly("a2", "cam", bus.StateEnd, start.Add(30*time.Second)),
	}
	play(t, h, "cam", sc, start, 40*time.Second, func(now time.Time) {
		for len(events) > 0 && now.After(events[0].FrameTime.Time) {
			r.Observe(events[0])
			events = events[1:]
		}
	})
	waitFor(t, func() bool { _, ok := r.ix.clip("a2"); return ok })
	r.Close()
	return r, start
}

// TestQuotaDeletesOldestFirst fills a quota: the oldest segments go first,
// then the oldest clip; the newest clip survives. Age retention drops
// segments older than the camera's hours.
func TestQuotaDeletesOldestFirst(t *testing.T) {
	dir := t.TempDir()
	r, start := recordWithClips(t, dir)
	segs := r.ix.find("cam", time.Time{}, time.Time{})
	a1, _ := r.ix.clip("a1")
	a2, _ := r.ix.clip("a2")
	if len(segs) != 4 {
		t.Fatalf("%d segments, want 4", len(segs))
	}
	now := start.Add(time.Minute)

	// room for both clips and the two newest segments
	gone := r.ix.prune(now, func(string) time.Duration { return 0 }, 0, a1.Size+a2.Size+segs[2].Size+segs[3].Size)
	if len(gone) != 2 || gone[0].Path != segs[0].Path || gone[1].Path != segs[1].Path {
		t.Fatalf("deleted %+v, want the two oldest segments", gone)
	}
	for _, e := range gone {
		if _, err := os.Stat(e.Path); !os.IsNotExist(err) {
			t.Errorf("%s still on disk", e.Path)
		}
	}

	// room for the newest clip only
	gone = r.ix.prune(now, func(string) time.Duration { return 0 }, 0, a2.Size)
	if len(gone) != 3 || gone[2].Anomaly != "a1" {
		t.Fatalf("deleted %+v, want the two segments left, then clip a1", gone)
	}
	if c, ok := r.ix.clip("a2"); !ok || c.Path != a2.Path {
		t.Fatal("the newest clip did not survive the quota")
	}
	probe(t, a2.Path)
}

// TestAgeRetention deletes segments past the camera's keep and clips past
// the clip keep, and nothing younger.
func TestAgeRetention(t *testing.T) {
	r, start := recordWithClips(t, t.TempDir())
	keep := func(string) time.Duration { return 25 * time.Second }
	gone := r.ix.prune(start.Add(45*time.Second), keep, time.Hour, 0)
	if len(gone) != 1 || gone[0].End.After(start.Add(20*time.Second)) {
		t.Fatalf("deleted %+v, want the first segment only (ended 35 s before)", gone)
	}
	gone = r.ix.prune(start.Add(2*time.Hour), keep, time.Hour, 0)
	if len(gone) != 5 || len(r.ix.clips) != 0 {
		t.Fatalf("deleted %+v, want every file past its keep", gone)
	}
}

// TestStartAgainKeepsClip: an anomaly's start seen again (the edge
// restarted and republished it) does not cut a second clip over the first.
func TestStartAgainKeepsClip(t *testing.T) {
	dir := t.TempDir()
	r1, start := recordWithClips(t, dir)
	first, _ := r1.ix.clip("a1")
	sc := scene(t, sim.H264)
	r2, h := newRecorder(t, dir, Options{Stall: 100 * time.Millisecond}, map[string]Policy{"cam": {Mode: ModeEvents}})
	later := start.Add(time.Hour)
	play(t, h, "cam", sc, later, 12*time.Second, nil)
	r2.Observe(anomaly("a1", "cam", bus.StateStart, later.Add(11*time.Second)))
	r2.Observe(anomaly("z9", "cam", bus.StateStart, later.Add(11*time.Second)))
	waitFor(t, func() bool { _, ok := r2.ix.clip("z9"); return ok }) // the stall cut it
	if c, _ := r2.ix.clip("a1"); c != first {
		t.Fatalf("clip a1 is now %+v, want the first one %+v", c, first)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "cam", clipsDir, "a1", "*")); len(m) != 1 {
		t.Fatalf("clip a1's folder holds %v, want one file", m)
	}
}
