package analyze

import "time"

// Mode is how closely a camera is watched.
type Mode string

// The two modes of a camera.
const (
	// Idle decodes keyframes only, luma only, at most IdleFPS: a quiet
	// camera costs almost nothing.
	Idle Mode = "idle"
	// Active decodes every frame (a P-frame needs the ones before it) and
	// analyses ActiveFPS of them with every detector.
	Active Mode = "active"
)

// pacer decides, per unit, whether to decode and whether to analyse, and
// switches between idle and active on motion. It is driven by frame times,
// never the wall clock, so a clip can be run faster than real time.
type pacer struct {
	idleEvery, activeEvery, quiet time.Duration

	mode         Mode
	lastAnalysed time.Time
	lastMotion   time.Time
}

func newPacer(idleFPS, activeFPS float64, quiet time.Duration) *pacer {
	return &pacer{idleEvery: every(idleFPS), activeEvery: every(activeFPS), quiet: quiet, mode: Idle}
}

func every(fps float64) time.Duration {
	if fps <= 0 {
		return time.Second
	}
	return time.Duration(float64(time.Second) / fps)
}

// decode tells whether a unit must go through the decoder: in idle only
// the keyframes that are due.
func (p *pacer) decode(key bool, t time.Time) bool {
	if p.mode == Active {
		return true
	}
	return key && p.due(t, p.idleEvery)
}

// wants tells, before decoding, whether the frame at t will be due for
// the detectors, so that the others are decoded without a picture copy.
func (p *pacer) wants(t time.Time) bool {
	if p.mode == Idle {
		return true // idle decodes only the keyframes that are due
	}
	return p.due(t, p.activeEvery)
}

// analyse tells whether a decoded frame is due for the detectors, and
// records it as analysed when it is.
func (p *pacer) analyse(t time.Time) bool {
	step := p.activeEvery
	if p.mode == Idle {
		step = p.idleEvery
	}
	if !p.due(t, step) {
		return false
	}
	p.lastAnalysed = t
	return true
}

// due allows some slack so a 2 s GOP at idle 1 fps, or 15 fps sampled at
// 5 fps, does not skip a beat because of timestamp jitter.
func (p *pacer) due(t time.Time, step time.Duration) bool {
	return p.lastAnalysed.IsZero() || t.Sub(p.lastAnalysed) >= step*9/10 || t.Before(p.lastAnalysed)
}

// observe records whether the analysed frame at t showed motion and
// returns the mode, and whether it changed.
func (p *pacer) observe(t time.Time, motion bool) (Mode, bool) {
	old := p.mode
	switch {
	case motion:
		p.lastMotion = t
		p.mode = Active
	case p.mode == Active && t.Sub(p.lastMotion) >= p.quiet:
		p.mode = Idle
	}
	return p.mode, p.mode != old
}
