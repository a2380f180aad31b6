// Package backoff spaces the retries of an attempt that fails: delays
// growing exponentially from Min to Max, each spread by Jitter so that
// many clients failing at once (cameras behind a rebooted switch, edges of
// a restarted broker) do not retry in step. Every retry loop of Argus uses
// it. It imports nothing of Argus.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Backoff yields the delays between attempts. Set Min and Max; the fields
// may change between calls (a live reload) and apply to the next delay,
// the count of failures kept. Not safe for concurrent use.
type Backoff struct {
	// Min is the first delay, Max the longest before jitter.
	Min, Max time.Duration
	// Jitter is the random fraction (0..1) added to or removed from each delay.
	Jitter float64

	n int // delays given since the last Reset
}

// Next returns the delay before the next attempt, Min·2ⁿ up to Max, spread
// by ±Jitter, and advances.
func (b *Backoff) Next() time.Duration {
	d := b.Min << min(b.n, 30)
	if d <= 0 || d > b.Max {
		d = b.Max
	}
	b.n++
	d = time.Duration(float64(d) * (1 + b.Jitter*(2*rand.Float64()-1)))
	return min(d, b.Upper())
}

// Upper is the longest delay Next can return.
func (b *Backoff) Upper() time.Duration {
	return time.Duration(float64(b.Max) * (1 + b.Jitter))
}

// Reset starts over from Min, after an attempt that worked.
func (b *Backoff) Reset() { b.n = 0 }
