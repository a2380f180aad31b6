package ingest

import (
	"math/rand/v2"
	"time"

	"github.com/argus-edge/argus/configs"
)

// backoff yields exponentially growing delays with jitter, bounded by max.
// Jitter spreads the reconnects of many cameras that fell at once (a switch
// reboot) so they do not hammer the network in step.
type backoff struct {
	min, max time.Duration
	jitter   float64
	n        int
}

// next returns the delay before the next attempt and advances.
func (b *backoff) next() time.Duration {
	d := b.min << min(b.n, 30)
	if d <= 0 || d > b.max {
		d = b.max
	}
	b.n++
	j := 1 + b.jitter*(2*rand.Float64()-1)
	d = time.Duration(float64(d) * j)
	return min(d, b.upper())
}

// upper is the longest delay next can ever return.
func (b *backoff) upper() time.Duration {
	return time.Duration(float64(b.max) * (1 + b.jitter))
}

// reset starts over from min, after an attempt that delivered frames.
func (b *backoff) reset() { b.n = 0 }

// bound sets the delays' bounds and keeps the count of failures, so bounds
// handed over by a live reload apply to the next delay.
func (b *backoff) bound(c configs.Backoff) {
	b.min, b.max, b.jitter = c.Min.D(), c.Max.D(), c.Jitter
}
