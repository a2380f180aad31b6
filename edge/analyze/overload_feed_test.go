package analyze

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/rules"
)

// published is an anomaly and the wall time the sink got it.
type published struct {
	bus.Anomaly
	at time.Time
}

// clockedSink is a Sink that notes when each anomaly reached it.
type clockedSink struct {
	mu  sync.Mutex
	got []published
}

func (s *clockedSink) PublishAnomaly(a bus.Anomaly) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, published{a, time.Now()})
	return nil
}

func (s *clockedSink) all() []published {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]published(nil), s.got...)
}

// feedLive publishes the scene's units into the camera's hub stream at
// their own times, from start for span, as a camera's pull would: each
// unit's NTP is the wall time it is published at. It returns when span is
// over or ctx ends.
func feedLive(ctx context.Context, s *hub.Stream, sc *sim.Scene, start time.Time, span time.Duration) {
	for u := range sc.Replay(start, span) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(u.NTP)):
		}
		s.Publish(u)
	}
}

// ticking calls tick every second until the returned stop is called, as
// the edge's status loop does; stop waits for the goroutine.
func ticking(tick func(time.Time)) (stop func()) {
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				tick(now)
			}
		}
	}()
	return func() { close(done); <-ended }
}

// p99 is the nearest-rank 99th percentile of ds.
func p99(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (99*len(s)+99)/100 - 1
	return s[max(min(i, len(s)-1), 0)]
}

// calibrate runs a few seconds of sc (20 s, a fire scene's loop) through
// a synchronous worker with the rules of r, and returns the seconds each
// analysed frame's detectors took, split into the expensive detector and
// the rest (means over the run), and how far into the scene the first anomaly of a critical
// rule started (0: none).
func calibrate(t testing.TB, sc *sim.Scene, r *rules.Runner, models string) (expensive, cheap float64, critical time.Duration) {
	rec := &recorder{}
	site := r.Live().Site
	w := testWorker(t, Camera{ID: site + "-calibrate", Site: site}, r, rec, models)
	w.look.Store(true) // a camera coming online, as the manager starts one
	at := time.Unix(1_800_000_000, 0)
	for u := range sc.Replay(at, 20*time.Second) {
		w.unit(u)
	}
	analysed := float64(max(w.analysed.Load(), 1))
	for name, c := range w.costs() {
		if name == Expensive {
			expensive += c.seconds / analysed
		} else {
			cheap += c.seconds / analysed
		}
	}
	for _, a := range rec.anomalies() {
		if a.State == bus.StateStart && a.Severity == "critical" {
			critical = a.FrameTime.Time.Sub(at)
			break
		}
	}
	return expensive, cheap, critical
}
