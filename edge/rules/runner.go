package rules

import (
	"fmt"
	"sync"
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

// Runner runs a site's live set and, optionally, a shadow set, each on
// the detections of its own detector settings (ObserveSplit; Observe gives
// both the same detections). Shadow events carry Shadow true and their own ids; the live
// set's events are the same whether a shadow runs or not.
//
// There is no Promote: an operator promotes a shadow set by publishing its
// content as the live set with shadow: false and a version above the
// running live one, then retires the shadow (clears its retained topic,
// which reaches the edge as DropShadow). Live and shadow versions are
// compared each within their own mode.
type Runner struct {
	site string
	mu   sync.Mutex
	live *Engine
	shad *Engine
}

// NewRunner makes a runner for site with no set yet: until the first
// live set arrives, frames produce no events.
func NewRunner(site string) *Runner { return &Runner{site: site} }

// Apply routes set by its Shadow flag: the first set of a mode starts its
// engine, later ones swap versions live (see Engine.Apply). The events
// are the ends of anomalies whose rule is gone.
func (r *Runner) Apply(set *Set, t time.Time) ([]Event, error) {
	if set.Site != r.site {
		return nil, fmt.Errorf("rules: set of site %s given to the runner of site %s", set.Site, r.site)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	slot := &r.live
	if set.Shadow {
		slot = &r.shad
	}
	if *slot == nil {
		*slot = NewEngine(set)
		return nil, nil
	}
	return (*slot).Apply(set, t)
}

// DropShadow stops the shadow set, ending its anomalies at t.
func (r *Runner) DropShadow(t time.Time) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shad == nil {
		return nil
	}
	out := r.shad.Close(t)
	r.shad = nil
	return out
}

// Close ends the ongoing anomalies of both sets at t, for an edge shutting
// down cleanly; the runner has no anomaly afterwards.
func (r *Runner) Close(t time.Time) []Event {
	live, shad := r.engines()
	var out []Event
	if live != nil {
		out = live.Close(t)
	}
	if shad != nil {
		out = append(out, shad.Close(t)...)
	}
	return out
}

// Following tells whether either set follows objects on camera (see
// Engine.Following).
func (r *Runner) Following(camera string) bool {
	live, shad := r.engines()
	return (live != nil && live.Following(camera)) || (shad != nil && shad.Following(camera))
}

// Observe evaluates a frame with both sets: live events first, then
// shadow events.
func (r *Runner) Observe(camera string, t time.Time, dets []detect.Detection) []Event {
	live, shad := r.engines()
	var out []Event
	if live != nil {
		out = live.Observe(camera, t, dets)
	}
	if shad != nil {
		out = append(out, shad.Observe(camera, t, dets)...)
	}
	return out
}

// Tick ends, in both sets, the anomalies of cameras whose frames stopped.
func (r *Runner) Tick(t time.Time) []Event {
	live, shad := r.engines()
	var out []Event
	if live != nil {
		out = live.Tick(t)
	}
	if shad != nil {
		out = append(out, shad.Tick(t)...)
	}
	return out
}

// Live is the running live set, or nil.
func (r *Runner) Live() *Set {
	live, _ := r.engines()
	if live == nil {
		return nil
	}
	return live.Set()
}

// Shadow is the running shadow set, or nil.
func (r *Runner) Shadow() *Set {
	_, shad := r.engines()
	if shad == nil {
		return nil
	}
	return shad.Set()
}

// Detectors are the detectors camera runs for the live set.
func (r *Runner) Detectors(camera string) map[string]detect.Settings {
	if s := r.Live(); s != nil {
		return s.Detectors(camera)
	}
	return nil
}

// ShadowDetectors are the detectors the shadow set asks of camera, nil
// without a shadow set. The edge runs once those whose settings equal the
// live set's and shares their detections; the others get a shadow
// instance whose detections only the shadow set sees (ObserveSplit), so
// that running a shadow cannot change what the live set sees.
func (r *Runner) ShadowDetectors(camera string) map[string]detect.Settings {
	if s := r.Shadow(); s != nil {
		return s.Detectors(camera)
	}
	return nil
}

// Seen is what the detectors saw of a frame for one set: the detections
// and the kinds not looked for (see Engine.ObserveUnseen).
type Seen struct {
	// Dets are the detections.
	Dets []detect.Detection
	// Unseen are the kinds the frame was not looked at for.
	Unseen []string
}

// ObserveSplit evaluates a frame with each set on its own detections: the
// live set on live, the shadow set (if any) on shadow. Live events come
// first.
func (r *Runner) ObserveSplit(camera string, t time.Time, live, shadow Seen) []Event {
	l, shad := r.engines()
	var out []Event
	if l != nil {
		out = l.ObserveUnseen(camera, t, live.Dets, live.Unseen)
	}
	if shad != nil {
		out = append(out, shad.ObserveUnseen(camera, t, shadow.Dets, shadow.Unseen)...)
	}
	return out
}

func (r *Runner) engines() (live, shad *Engine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live, r.shad
}

// ObserveUnseen is Observe for a frame in which the kinds in unseen were
// not looked for (see Engine.ObserveUnseen).
func (r *Runner) ObserveUnseen(camera string, t time.Time, dets []detect.Detection, unseen []string) []Event {
	live, shad := r.engines()
	var out []Event
	if live != nil {
		out = live.ObserveUnseen(camera, t, dets, unseen)
	}
	if shad != nil {
		out = append(out, shad.ObserveUnseen(camera, t, dets, unseen)...)
	}
	return out
}

// TickExcept ticks, in both sets, the cameras for which flowing is false
// and the camera_offline rules of all (see Engine.TickExcept).
func (r *Runner) TickExcept(t time.Time, flowing func(camera string) bool) []Event {
	live, shad := r.engines()
	var out []Event
	if live != nil {
		out = live.TickExcept(t, flowing)
	}
	if shad != nil {
		out = append(out, shad.TickExcept(t, flowing)...)
	}
	return out
}

// Urgent tells whether the live set has an ongoing high or critical
// anomaly on camera (see Engine.Urgent).
func (r *Runner) Urgent(camera string) bool {
	live, _ := r.engines()
	return live != nil && live.Urgent(camera)
}
