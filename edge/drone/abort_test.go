package drone

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// TestAbortAtTakeOff: an abort as soon as the patrol started (the drone
// is still climbing; at the simulator's 20× it comes back down within a
// poll) brings it down at once and says so: returning, landed, aborted
// "during the take-off", not "stayed on the ground" (it did leave it).
func TestAbortAtTakeOff(t *testing.T) {
	r := newRig(t, nil)
	evs := r.abortAt(bus.PatrolStarted, 0)
	got, e := states(evs), last(evs)
	if !slices.Equal(got[len(got)-3:], []string{"returning", "landed", "aborted"}) || !strings.HasPrefix(e.Reason, "aborted during the take-off") {
		t.Fatalf("progress %q (%s): want returning, landed, aborted during the take-off", got, e.Reason)
	}
	for _, ev := range evs {
		if ev.State == bus.PatrolReturning && ev.Reason != reasonAborted {
			t.Fatalf("returning says %q, want %q", ev.Reason, reasonAborted)
		}
	}
	if st := r.sims["drone-1"].Status(); !st.Landed() || dist(st.Lat, st.Lon, home.Lat, home.Lon) > 2 {
		t.Fatalf("drone %+v: want landed at home", st)
	}
}

// TestAbortAtOnce: an abort sent right behind the launch, whatever step
// it meets (pre-flight, upload, arming, take-off), ends the patrol
// aborted with a reason that matches what happened: a drone that never
// started stayed on the ground with no mission left on it; one that
// started came back down (returning, landed) to its home.
func TestAbortAtOnce(t *testing.T) {
	for i := range 3 {
		r := newRig(t, nil)
		r.mustLaunch("p1")
		if rep := r.abort("drone-1"); !rep.OK {
			t.Fatalf("abort refused: %+v", rep)
		}
		evs := r.console.ended(t, "p1", 30*time.Second)
		got, e := states(evs), last(evs)
		st := r.sims["drone-1"].Status()
		t.Logf("run %d: %q: %s", i, got, e.Reason)
		switch {
		case e.State != bus.PatrolAborted || e.Reason == "":
			t.Fatalf("progress %q (%s): want aborted with its reason", got, e.Reason)
		case slices.Contains(got, bus.PatrolStarted):
			if !slices.Equal(got[len(got)-3:], []string{"returning", "landed", "aborted"}) || strings.Contains(e.Reason, "stayed on the ground") ||
				!st.Landed() || dist(st.Lat, st.Lon, home.Lat, home.Lon) > 2 {
				t.Fatalf("started, then %q (%s), drone %+v: want returning, landed at home, aborted", got, e.Reason, st)
			}
		default:
			if !strings.Contains(e.Reason, "stayed on the ground") && !strings.Contains(e.Reason, "nothing was sent") || st.Armed || len(st.Mission) > 1 {
				t.Fatalf("never started, then %q (%s), drone armed %v with %d items: want it on the ground, no mission", got, e.Reason, st.Armed, len(st.Mission))
			}
		}
	}
}
