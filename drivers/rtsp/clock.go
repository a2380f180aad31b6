package rtsp

import (
	"sync/atomic"
	"time"
)

// ClockGuard is how far a camera's clock (from its RTCP sender reports) may
// be from ours before its time is not used: many cameras run without NTP
// and drift by minutes, and the rules compare frame times with the edge's
// clock to end anomalies when frames stop. Such a camera's frames are timed
// by their arrival, and its Clock shows how far off it is.
const ClockGuard = time.Second

// ClockClear is how close a camera's clock must come back before a clock
// found beyond ClockGuard is trusted again. The gap is hysteresis: a clock
// near the guard (0.9–1.1 s off, network jitter on top) would otherwise
// flip between the two sources on every sender report, and with it the
// frames' times and the log (169–249 flips in 10 minutes were seen).
const ClockClear = ClockGuard / 2

// Sources of a frame's wall-clock time.
const (
	// ClockArrival: frames are timed by their arrival at the edge, because
	// the camera sent no sender report yet or its clock is beyond the guard.
	ClockArrival = "arrival"
	// ClockRTCP: frames carry the camera's own time, from its sender
	// reports.
	ClockRTCP = "rtcp"
)

// Clock tells which clock times a camera's frames and how far the camera's
// clock is from the edge's. The pull updates it once per frame with atomics
// (no allocation, no lock); status and metrics read it when asked.
type Clock struct {
	state  atomic.Int32 // clockUnknown, clockTrusted or clockSkewed
	offset atomic.Int64 // camera time minus arrival of the last reported frame, ns
}

// states of a Clock.
const (
	clockUnknown int32 = iota // no sender report yet
	clockTrusted              // within ClockGuard: frames carry the camera's time
	clockSkewed               // beyond ClockGuard: frames carry their arrival time
)

// Source returns ClockRTCP or ClockArrival.
func (c *Clock) Source() string {
	if c.state.Load() == clockTrusted {
		return ClockRTCP
	}
	return ClockArrival
}

// Offset returns the camera's clock minus the edge's, as measured on the
// last frame with a sender report (network delay included), and false
// before any sender report.
func (c *Clock) Offset() (time.Duration, bool) {
	if c.state.Load() == clockUnknown {
		return 0, false
	}
	return time.Duration(c.offset.Load()), true
}

// observe records the camera's time of a frame that arrived at arrival and
// tells whether to use it; changed reports a new state. A clock is trusted
// within ClockGuard, but once beyond it only back within ClockClear.
// Only the pull's goroutine calls it; readers of the atomics may be many.
func (c *Clock) observe(camera, arrival time.Time) (use, changed bool) {
	d := camera.Sub(arrival)
	c.offset.Store(int64(d))
	prev := c.state.Load()
	limit := ClockGuard
	if prev == clockSkewed {
		limit = ClockClear
	}
	state := clockSkewed
	if d > -limit && d < limit {
		state = clockTrusted
	}
	c.state.Store(state)
	return state == clockTrusted, state != prev
}

// reset forgets the camera's clock, for a new pull.
func (c *Clock) reset() {
	c.state.Store(clockUnknown)
	c.offset.Store(0)
}
