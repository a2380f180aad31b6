package peers

import (
	"testing"
	"time"
)

// Await and Eventually poll: what tests wait on here (a count in a store,
// a process's HTTP answer, a peer's state) raises no event a test could
// wait on. Where one does, wait on it instead (a channel, LogBuffer.Await).

// pollFirst and pollMax bound the pause between checks: quick at first,
// backing off so that a costly condition (an HTTP round trip, a query) is
// not asked more than ten times a second.
const (
	pollFirst = 10 * time.Millisecond
	pollMax   = 100 * time.Millisecond
)

// Eventually reports whether cond holds within the time given, checking it
// at once, then every 10–100 ms, and a last time at the deadline.
func Eventually(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	pause := pollFirst
	for !cond() {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		time.Sleep(min(pause, left))
		pause = min(2*pause, pollMax)
	}
	return true
}

// Await fails the test with "<what> not within <within>" unless cond holds
// within that time; see Eventually.
func Await(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Eventually(within, cond) {
		t.Fatalf("%s not within %v", what, within)
	}
}
