package drone

import (
	"sort"
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// sample is one position of a drone and when the edge received it.
type sample struct {
	at  time.Time
	geo bus.Geo // Alt above sea level, as anomalies carry it
}

// history keeps a drone's recent positions so that a frame of its video
// can be placed where the drone was when the frame was taken: telemetry
// and video reach the edge on different paths and at different rates.
// Safe for concurrent use.
type history struct {
	mu      sync.Mutex
	samples []sample // oldest first; a ring would save a copy, not worth it at this size
	max     int
	gap     time.Duration // the furthest a frame may be from a sample
}

// newHistory keeps up to max samples and answers for times at most gap
// from a sample.
func newHistory(max int, gap time.Duration) *history {
	return &history{max: max, gap: gap}
}

// add records a position; samples out of time order are dropped.
func (h *history) add(at time.Time, g bus.Geo) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.samples); n > 0 && !at.After(h.samples[n-1].at) {
		if at.Equal(h.samples[n-1].at) {
			h.samples[n-1].geo = g
		}
		return
	}
	if len(h.samples) == h.max {
		copy(h.samples, h.samples[1:])
		h.samples = h.samples[:h.max-1]
	}
	h.samples = append(h.samples, sample{at: at, geo: g})
}

// at is the drone's position at t: interpolated between the samples
// either side of t, or the nearest sample when t is before the first or
// after the last; nil when no sample is within gap of t (the link was
// down, or the frame is older than the history).
func (h *history) at(t time.Time) *bus.Geo {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.samples)
	if n == 0 {
		return nil
	}
	i := sort.Search(n, func(i int) bool { return !h.samples[i].at.Before(t) }) // first at or after t
	switch {
	case i == n:
		return h.near(h.samples[n-1], t)
	case i == 0 || h.samples[i].at.Equal(t):
		return h.near(h.samples[i], t)
	}
	a, b := h.samples[i-1], h.samples[i]
	if t.Sub(a.at) > h.gap && b.at.Sub(t) > h.gap {
		return nil // a hole in the telemetry: no honest position
	}
	f := float64(t.Sub(a.at)) / float64(b.at.Sub(a.at))
	g := bus.Geo{
		Lat: a.geo.Lat + f*(b.geo.Lat-a.geo.Lat),
		Lon: a.geo.Lon + f*(b.geo.Lon-a.geo.Lon),
		Alt: a.geo.Alt + f*(b.geo.Alt-a.geo.Alt),
	}
	return &g
}

// near returns s's position when it is within gap of t.
func (h *history) near(s sample, t time.Time) *bus.Geo {
	d := t.Sub(s.at)
	if d < 0 {
		d = -d
	}
	if d > h.gap {
		return nil
	}
	g := s.geo
	return &g
}
