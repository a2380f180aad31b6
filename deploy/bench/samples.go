package bench

import (
	"slices"
	"sync"
	"time"
)

// Samples collects durations (latencies, ages) from any goroutine.
type Samples struct {
	mu sync.Mutex
	d  []time.Duration
}

// Add records one duration.
func (s *Samples) Add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

// Percentiles are the median, the 99th percentile and the largest of the
// durations so far, rounded to 0.1 ms, and how many there are.
func (s *Samples) Percentiles() (p50, p99, max time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.d) == 0 {
		return 0, 0, 0, 0
	}
	d := slices.Clone(s.d)
	slices.Sort(d)
	at := func(p float64) time.Duration {
		return d[min(len(d)-1, int(p*float64(len(d))))].Round(100 * time.Microsecond)
	}
	return at(0.5), at(0.99), d[len(d)-1].Round(100 * time.Microsecond), len(d)
}
