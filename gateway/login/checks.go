package login

import (
	"context"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// checks bounds the bcrypt work logins cause: at most n comparisons run
// at once and at most queue more wait; an attempt beyond both is refused
// at once (it costs the gateway nothing), so an unauthenticated flood of
// logins can take only n cores' worth of bcrypt, whatever its size.
type checks struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
	running atomic.Int64
	peak    atomic.Int64 // the most comparisons that ran at once (tests, metrics)
}

func newChecks(n int) *checks {
	return &checks{slots: make(chan struct{}, n), queue: int64(8 * n)}
}

// compare reports whether password matches hash, waiting for a slot; a
// full queue answers *ThrottledError, a cancelled ctx its error.
func (c *checks) compare(ctx context.Context, hash []byte, password string) (bool, error) {
	if c.waiting.Add(1) > c.queue+int64(cap(c.slots)) {
		c.waiting.Add(-1)
		return false, &ThrottledError{RetryAfter: time.Second, Reason: ReasonChecks}
	}
	defer c.waiting.Add(-1)
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-c.slots }()
	n := c.running.Add(1)
	defer c.running.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil, nil
}

// Checking reports the password checks running now and the most that ever ran at once.
func (a *Auth) Checking() (now, peak int) {
	return int(a.checks.running.Load()), int(a.checks.peak.Load())
}
