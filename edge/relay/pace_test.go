package relay

import (
	"testing"
	"time"
)

// TestPacerSpreadsABacklog: a backlog of 700 packets (a 2 s group at 4
// Mbps) goes paceBurst at once, then at paceRate, with one pause per
// paceStep packets; the clock is simulated (each pause advances it).
func TestPacerSpreadsABacklog(t *testing.T) {
	now := time.Unix(1000, 0)
	var pauses int
	var slept time.Duration
	p := newPacer(now)
	p.sleep = func(d time.Duration) {
		pauses++
		slept += d
		now = now.Add(d)
	}
	for range paceBurst {
		p.take(now)
	}
	if pauses != 0 {
		t.Fatalf("%d pauses within the burst", pauses)
	}
	const rest = 700 - paceBurst
	for range rest {
		p.take(now)
	}
	want := time.Duration(float64(rest) / paceRate * float64(time.Second))
	if slept < want*9/10 || slept > want*11/10 {
		t.Fatalf("the backlog's %d packets past the burst took %s, want about %s (paceRate %d/s)", rest, slept, want, paceRate)
	}
	if max := rest/paceStep + 2; pauses > max {
		t.Fatalf("%d pauses for %d packets, want at most %d (one per %d)", pauses, rest, max, paceStep)
	}
	// After a quiet second the bucket is full again, never more.
	now = now.Add(time.Second)
	pauses = 0
	for range paceBurst {
		p.take(now)
	}
	if pauses != 0 {
		t.Fatalf("%d pauses after a quiet second", pauses)
	}
	p.take(now)
	if pauses != 1 {
		t.Fatalf("%d pauses past a full bucket, want 1", pauses)
	}
}
