package record

import (
	"time"

	"github.com/argus-edge/argus/drivers/media"
)

// ring keeps the recent GOPs of a camera in memory, for a clip's pre-roll:
// at least keep of video before the newest frame, within maxBytes. It
// holds the units it keeps (media.Unit.Hold) and releases those it drops,
// so that the camera's read buffers are reused rather than collected.
type ring struct {
	keep     time.Duration
	maxBytes int
	gops     [][]*media.Unit
	bytes    int
}

// add appends a unit; a keyframe starts a GOP. Units before the first
// keyframe are dropped: a clip must start at one.
func (r *ring) add(u *media.Unit) {
	if u.Key {
		r.gops = append(r.gops, nil)
	} else if len(r.gops) == 0 {
		return
	}
	u.Hold()
	last := len(r.gops) - 1
	r.gops[last] = append(r.gops[last], u)
	r.bytes += u.Size
	// drop the oldest GOP while the next one still starts keep before u
	for len(r.gops) > 1 && (u.NTP.Sub(r.gops[1][0].NTP) >= r.keep || r.bytes > r.maxBytes) {
		for _, x := range r.gops[0] {
			r.bytes -= x.Size
			x.Release()
		}
		r.gops[0] = nil
		r.gops = r.gops[1:]
	}
}

// reset forgets everything, when the stream breaks.
func (r *ring) reset() {
	for _, g := range r.gops {
		for _, u := range g {
			u.Release()
		}
	}
	r.gops, r.bytes = nil, 0
}

// since returns the units from the newest GOP that starts at or before t
// (the oldest GOP when none does) to the newest unit.
func (r *ring) since(t time.Time) []*media.Unit {
	from := 0
	for i, g := range r.gops {
		if !g[0].NTP.After(t) {
			from = i
		}
	}
	var out []*media.Unit
	for _, g := range r.gops[from:] {
		out = append(out, g...)
	}
	return out
}

// newest is the time of the newest unit, zero when empty.
func (r *ring) newest() time.Time {
	if len(r.gops) == 0 {
		return time.Time{}
	}
	g := r.gops[len(r.gops)-1]
	return g[len(g)-1].NTP
}
