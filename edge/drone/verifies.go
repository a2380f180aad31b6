package drone

import "time"

// span is a flight sent to look at a camera anomaly, from its acceptance
// to its end (zero while it flies).
type span struct {
	anomaly  string
	from, to time.Time
}

// maxSpans is how many verification flights a drone remembers: a frame
// is analysed seconds after it was taken, never flights ago.
const maxSpans = 16

// verifyFrom records that f, when it verifies a camera anomaly, flies
// from now on; u.mu is held.
func (u *unit) verifyFrom(f *flight) {
	if f.order.Verifies == "" {
		return
	}
	if len(u.spans) == maxSpans {
		u.spans = u.spans[1:]
	}
	u.spans = append(u.spans, span{anomaly: f.order.Verifies, from: time.Now()})
}

// verifyTo closes the open verification span, at f's end; u.mu is held.
func (u *unit) verifyTo(f *flight) {
	if n := len(u.spans); n > 0 && f.order.Verifies != "" && u.spans[n-1].to.IsZero() {
		u.spans[n-1].to = time.Now()
	}
}

// verifies is the camera anomaly the drone was flying to look at when a
// frame was taken at t, "" when none.
func (u *unit) verifies(t time.Time) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	for i := len(u.spans) - 1; i >= 0; i-- {
		s := u.spans[i]
		if !t.Before(s.from) && (s.to.IsZero() || !t.After(s.to)) {
			return s.anomaly
		}
	}
	return ""
}

// VerifiesAt returns, for the anomalies of a drone's video
// (analyze.Camera.Verifies), the camera anomaly the drone was sent to
// look at when a frame was taken; nil for a drone this edge does not hold.
func (m *Manager) VerifiesAt(drone string) func(time.Time) string {
	u := m.units[drone]
	if u == nil {
		return nil
	}
	return u.verifies
}
