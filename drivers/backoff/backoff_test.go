package backoff

import (
	"testing"
	"time"
)

func TestGrowsAndStaysInBounds(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.2}
	for i := range 40 {
		d := b.Next()
		base := 2 * time.Second
		if i <= 30 {
			base = min(100*time.Millisecond<<i, 2*time.Second)
		}
		lo, hi := time.Duration(float64(base)*0.8), time.Duration(float64(base)*1.2)
		if d < lo || d > hi {
			t.Fatalf("attempt %d: delay %s outside [%s, %s]", i, d, lo, hi)
		}
	}
	if b.Upper() != 2400*time.Millisecond {
		t.Fatalf("Upper %s, want 2.4s", b.Upper())
	}
	b.Reset()
	if d := b.Next(); d > 120*time.Millisecond {
		t.Fatalf("after Reset delay %s, want about Min", d)
	}
}

func TestWithoutJitterIsExact(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 4 * time.Second}
	for i, w := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		if d := b.Next(); d != w {
			t.Fatalf("attempt %d: %s, want %s", i, d, w)
		}
	}
}

// A bound changed between delays (a live reload) applies to the next one,
// the failures counted so far kept.
func TestBoundsChangeKeepsTheCount(t *testing.T) {
	b := Backoff{Min: time.Second, Max: time.Minute}
	b.Next()
	b.Next() // 1 s, 2 s
	b.Min, b.Max = 100*time.Millisecond, 10*time.Second
	if d := b.Next(); d != 400*time.Millisecond {
		t.Fatalf("third delay after the change %s, want 400ms", d)
	}
}
