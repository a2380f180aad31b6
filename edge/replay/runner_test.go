package replay

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// reportLog gathers a replay's reports and wakes a waiter on each.
type reportLog struct {
	mu   sync.Mutex
	got  []bus.ReplayReport
	wake chan struct{}
}

func newReportLog() *reportLog { return &reportLog{wake: make(chan struct{}, 1)} }

func (l *reportLog) add(r bus.ReplayReport) {
	l.mu.Lock()
	l.got = append(l.got, r)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// await waits (30 s at most) for a report that cond accepts.
func (l *reportLog) await(t *testing.T, what string, cond func(bus.ReplayReport) bool) bus.ReplayReport {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		l.mu.Lock()
		for _, r := range l.got {
			if cond(r) {
				l.mu.Unlock()
				return r
			}
		}
		l.mu.Unlock()
		select {
		case <-l.wake:
		case <-deadline:
			t.Fatalf("no report %s in 30 s: %+v", what, l.got)
		}
	}
}

func (l *reportLog) all() []bus.ReplayReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bus.ReplayReport(nil), l.got...)
}

// TestReplayYields: on the recorded fire scene, a replay whose edge's live
// cameras need the CPU pauses before its first frame, says so ("paused:
// live cameras need the CPU", with why) and replays nothing while paused;
// once the CPU is free it resumes and runs to done with the same anomaly
// as unpaused; its metrics count the footage replayed and the replay
// done. The contention is simulated (the Busy function the edge
// takes from its live analysis is the test's switch).
func TestReplayYields(t *testing.T) {
	rc := recordLive(t, rulesDoc(3, "{}", 0.5), 40*time.Second)
	var busy atomic.Bool
	busy.Store(true)
	log := newReportLog()
	o := Options{Edge: "e1", Dir: rc.dir, Log: peers.TestLog(t), Every: 20 * time.Millisecond, Report: log.add,
		Busy: func() (bool, string) { return busy.Load(), "simulated live load" }}
	r := NewRunner(o)
	defer r.Close()
	order := bus.ReplayOrder{ID: "r1", Site: "hillside", Cameras: []string{"cam1"}, Rules: string(rulesDoc(3, "{}", 0.5)),
		From: bus.At(rc.from), To: bus.At(rc.to)}
	if err := r.Start(order); err != nil {
		t.Fatal(err)
	}
	paused := 0
	log.await(t, "paused three times", func(rep bus.ReplayReport) bool {
		if rep.State == bus.ReplayPaused {
			paused++
		}
		return paused >= 3
	})
	busy.Store(false)
	done := log.await(t, "done", func(rep bus.ReplayReport) bool { return rep.Final() })
	if done.State != bus.ReplayDone || len(kinds(done.Anomalies, bus.KindFire)) != len(kinds(rc.live, bus.KindFire)) {
		t.Fatalf("after the pause: %s %q, %d anomalies, live %d", done.State, done.Message, len(done.Anomalies), len(rc.live))
	}
	peers.Await(t, 10*time.Second, "the replay's end after its last report", func() bool { return r.Running() == "" })
	if m, n := testutil.ToFloat64(r.m.media), testutil.ToFloat64(r.m.ended.WithLabelValues(bus.ReplayDone)); m < 39 || n != 1 ||
		testutil.ToFloat64(r.m.paused) != 0 || testutil.ToFloat64(r.m.active) != 0 {
		t.Errorf("metrics: media %.1f s, done %v, paused %v, running %v", m, n, testutil.ToFloat64(r.m.paused), testutil.ToFloat64(r.m.active))
	}
	for _, rep := range log.all() {
		if rep.State != bus.ReplayPaused {
			continue
		}
		if !strings.HasPrefix(rep.Message, bus.ReplayYieldMessage) || !strings.Contains(rep.Message, "simulated live load") {
			t.Errorf("paused report says %q", rep.Message)
		}
		if rep.Media != 0 {
			t.Errorf("paused before the first frame, yet %.1f s replayed", rep.Media)
		}
	}
}

// TestRunnerOneAtATime: while a replay runs (held paused), a second is
// refused with ErrBusy naming the running one; a bad order is refused
// with why; Cancel ends the first with a cancelled report, and a new one
// may then start.
func TestRunnerOneAtATime(t *testing.T) {
	rc := recordLive(t, rulesDoc(3, "{}", 0.5), 5*time.Second)
	log := newReportLog()
	r := NewRunner(Options{Edge: "e1", Dir: rc.dir, Log: peers.TestLog(t), Every: 20 * time.Millisecond, Report: log.add,
		Busy: func() (bool, string) { return true, "held" }})
	defer r.Close()
	from := rc.from
	order := func(id string) bus.ReplayOrder {
		return bus.ReplayOrder{ID: id, Site: "hillside", Cameras: []string{"cam1"}, Rules: string(rulesDoc(3, "{}", 0.5)),
			From: bus.At(from), To: bus.At(from.Add(time.Minute))}
	}
	// held, it never gets past its start
	if err := r.Start(order("a")); err != nil {
		t.Fatal(err)
	}
	log.await(t, "running", func(rep bus.ReplayReport) bool { return rep.ID == "a" && rep.State == bus.ReplayPaused })
	err := r.Start(order("b"))
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "replay a") {
		t.Errorf("second replay: %v, want ErrBusy naming a", err)
	}
	bad := order("c")
	bad.To = bad.From
	if err := r.Start(bad); err == nil || !strings.Contains(err.Error(), "not after") {
		t.Errorf("empty range: %v", err)
	}
	bad = order("c")
	bad.Rules = "site: hillside\nversion: x\n"
	if err := r.Start(bad); err == nil || !strings.Contains(err.Error(), "candidate rules") {
		t.Errorf("bad rules: %v", err)
	}
	if r.Cancel("b") || !r.Cancel("a") {
		t.Error("Cancel: wrong replay cancelled")
	}
	log.await(t, "a cancelled", func(rep bus.ReplayReport) bool { return rep.ID == "a" && rep.State == bus.ReplayCancelled })
	peers.Await(t, 30*time.Second, "the cancelled replay's end", func() bool { return r.Running() == "" })
	if err := r.Start(order("d")); err != nil {
		t.Errorf("after the cancel: %v", err)
	}
	r.Cancel("d")
	// footage missing for every camera: failed, saying so
	none := order("e")
	none.Cameras = []string{"cam9"}
	r2 := NewRunner(Options{Edge: "e1", Dir: rc.dir, Log: peers.TestLog(t), Report: log.add})
	defer r2.Close()
	if err := r2.Start(none); err != nil {
		t.Fatal(err)
	}
	rep := log.await(t, "e final", func(rep bus.ReplayReport) bool { return rep.ID == "e" && rep.Final() })
	if rep.State != bus.ReplayFailed || !strings.Contains(rep.Message, "no recording of cam9") {
		t.Errorf("unrecorded camera: %s %q", rep.State, rep.Message)
	}
}
