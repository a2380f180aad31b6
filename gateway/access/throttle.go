package access

import (
	"sync"
	"time"
)

// Login throttling: a user name may fail freeFailures times; after that each
// failure locks the name for a doubling delay, from lockBase up to lockMax.
// The lock is per name, not per address, so a guesser spread over many
// addresses is slowed as much as one.
const (
	freeFailures = 5
	lockBase     = time.Second
	lockMax      = 15 * time.Minute
	forgetAfter  = time.Hour // a name without failures for this long starts afresh
	maxTracked   = 10000     // names tracked at most; beyond it the stale ones are forgotten
)

type failures struct {
	n      int
	last   time.Time
	locked time.Time // no attempt before this
}

type throttle struct {
	mu    sync.Mutex
	names map[string]*failures
}

func newThrottle() *throttle { return &throttle{names: map[string]*failures{}} }

// wait is how long name must wait before its next attempt; 0 lets it try.
func (t *throttle) wait(name string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.names[name]
	if !ok || !now.Before(f.locked) {
		return 0
	}
	return f.locked.Sub(now)
}

// failed counts a failure and sets the lock once the free ones are spent.
func (t *throttle) failed(name string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.names[name]
	if !ok || now.Sub(f.last) > forgetAfter {
		if len(t.names) >= maxTracked {
			t.forgetStale(now)
		}
		f = &failures{}
		t.names[name] = f
	}
	f.n++
	f.last = now
	if over := f.n - freeFailures; over >= 0 {
		d := lockMax
		if over < 20 && lockBase<<over < lockMax {
			d = lockBase << over
		}
		f.locked = now.Add(d)
	}
}

// succeeded forgets the name's failures.
func (t *throttle) succeeded(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.names, name)
}

// forgetStale drops names whose last failure is old and whose lock is over.
func (t *throttle) forgetStale(now time.Time) {
	for n, f := range t.names {
		if now.Sub(f.last) > forgetAfter || !now.Before(f.locked) && f.n < freeFailures {
			delete(t.names, n)
		}
	}
}
