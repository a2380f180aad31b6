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

// WholeEvery is how often, while the rules follow people or vehicles on
// a camera, the objects detector looks at the whole frame rather than at
// the motion regions only: a person standing still stops being motion
// once the background has learnt them (about half a minute), and would
// otherwise stop being seen. Once a second keeps a still person's track
// alive (tracks live 5 s unseen) and the anomaly under way (end_after
// defaults to 3 s) for one forward of the model a second, about a tenth of
// a core with YOLOX-nano, on top of the crops of whatever moves.
const WholeEvery = time.Second

// pacer decides, per unit, whether to decode and whether to analyse, and
// switches between idle and active on motion, or while the rules follow
// objects. It is driven by frame times, never the wall clock, so a clip
// can be run faster than real time.
type pacer struct {
	idleEvery, activeEvery, quiet time.Duration

	mode         Mode
	lastAnalysed time.Time
	lastBusy     time.Time // last motion or followed object
	lastWhole    time.Time // last whole-frame look for objects
	lastHealth   time.Time // last look of the health detector
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

// due tells whether the frame at t comes step after the last analysed.
func (p *pacer) due(t time.Time, step time.Duration) bool { return after(p.lastAnalysed, t, step) }

// after tells whether t is step after last, or last is unset. It allows
// some slack so a 2 s GOP at idle 1 fps, or 15 fps sampled at 5 fps, does
// not skip a beat because of timestamp jitter.
func after(last, t time.Time, step time.Duration) bool {
	return last.IsZero() || t.Sub(last) >= step*9/10 || t.Before(last)
}

// observe records whether the analysed frame at t showed motion, and
// whether the rules follow objects on the camera, and returns the mode and
// whether it changed. Followed objects keep the camera active as motion
// does: the objects detector runs only there.
func (p *pacer) observe(t time.Time, motion, following bool) (Mode, bool) {
	old := p.mode
	switch {
	case motion || following:
		p.lastBusy = t
		p.mode = Active
	case p.mode == Active && t.Sub(p.lastBusy) >= p.quiet:
		p.mode = Idle
	}
	return p.mode, p.mode != old
}

// wake makes the camera active at t as motion would, until quiet passes
// without motion: a camera that just came online gets a look before its
// motion detector has a background.
func (p *pacer) wake(t time.Time) {
	p.mode, p.lastBusy = Active, t
}

// whole tells whether the objects detector looks at the whole frame at t:
// once every WholeEvery while the rules follow objects.
func (p *pacer) whole(t time.Time, following bool) bool {
	if !following || !after(p.lastWhole, t, WholeEvery) {
		return false
	}
	p.lastWhole = t
	return true
}

// health tells whether the health detector looks at the frame at t: at
// the idle rate in both modes. Its conditions last seconds (frozen 10 s,
// covered and tampered 2 s) and an anomaly lasts until end_after without
// a detection, so looking more often would only cost CPU: at 5 fps it was
// a tenth of the active pipeline.
func (p *pacer) health(t time.Time) bool {
	if !after(p.lastHealth, t, p.idleEvery) {
		return false
	}
	p.lastHealth = t
	return true
}
