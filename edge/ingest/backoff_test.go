package ingest

import (
	"testing"
	"time"
)

func TestBackoffGrowsAndStaysInBounds(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: 2 * time.Second, jitter: 0.2}
	prevBase := time.Duration(0)
	for i := range 40 {
		d := b.next()
		base := min(100*time.Millisecond<<i, 2*time.Second)
		if i > 30 {
			base = 2 * time.Second
		}
		lo, hi := time.Duration(float64(base)*0.8), time.Duration(float64(base)*1.2)
		if d < lo || d > hi {
			t.Fatalf("attempt %d: delay %s outside [%s, %s]", i, d, lo, hi)
		}
		if base < prevBase {
			t.Fatalf("base delay shrank at attempt %d", i)
		}
		prevBase = base
	}
	b.reset()
	if d := b.next(); d > 120*time.Millisecond {
		t.Fatalf("after reset delay %s, want about min", d)
	}
}

func TestBackoffWithoutJitterIsExact(t *testing.T) {
	b := backoff{min: time.Second, max: 4 * time.Second}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		if d := b.next(); d != w {
			t.Fatalf("attempt %d: %s, want %s", i, d, w)
		}
	}
}
