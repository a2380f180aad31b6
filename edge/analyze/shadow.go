package analyze

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/frame"
	"github.com/argus-edge/argus/edge/rules"
)

// shadowDetectors are a camera's detectors for its site's shadow rule
// set. A detector whose settings equal the live one's is shared: it runs
// once and both sets see its detections. One whose settings differ (or
// that the live set does not run) is the shadow's own instance, with its
// own state, run on the same frames and seen only by the shadow set. Only the
// worker's goroutine touches it; the status reads worker.shadowNames.
type shadowDetectors struct {
	on       bool // a shadow set runs
	live     int  // live version the sharing was decided against
	version  int  // shadow version followed
	shared   []string
	own      map[string]detect.Detector
	settings map[string]detect.Settings // what each own instance was made with
}

// shadowKey is the scheduler's name for a camera's shadow work: apart
// from the camera's own share, at TierShadow.
func shadowKey(camera string) string { return camera + "\x00shadow" }

// refreshShadow follows the site's shadow set, and the live set the
// sharing is decided against, when either changed version. An own
// instance whose settings did not change keeps its state.
func (w *worker) refreshShadow() {
	set := w.runner.Shadow()
	sh := &w.shadow
	if set == nil {
		if sh.on {
			w.dropShadow()
		}
		return
	}
	if sh.on && sh.version == set.Version && sh.live == w.version {
		return
	}
	want := w.runner.ShadowDetectors(w.cam.ID)
	next := make(map[string]detect.Detector, len(want))
	nextSettings := make(map[string]detect.Settings, len(want))
	var shared []string
	for name, s := range want {
		s.Camera, s.ModelDir, s.Moving = w.cam.ID, w.models, w.cam.Moving
		if w.detectors[name] != nil && reflect.DeepEqual(s, w.settings[name]) {
			shared = append(shared, name)
			continue
		}
		nextSettings[name] = s
		if d, ok := sh.own[name]; ok && reflect.DeepEqual(s, sh.settings[name]) {
			next[name] = d
			delete(sh.own, name)
			continue
		}
		d, err := detect.New(name, s)
		if err != nil {
			w.log.Error().Err(err).Str("detector", name).Int("shadow_version", set.Version).Msg("shadow detector not started")
			continue
		}
		next[name] = d
	}
	w.closeShadowOwn() // those gone, changed or now shared
	slices.Sort(shared)
	sh.on, sh.live, sh.version = true, w.version, set.Version
	sh.shared, sh.own, sh.settings = shared, next, nextSettings
	own := slices.Sorted(maps.Keys(next))
	w.shadowNames.Store(&own)
	w.log.Debug().Int("shadow_version", set.Version).Int("rule_version", w.version).Strs("shared", shared).
		Strs("own", own).Msg("shadow detectors")
	if w.dec != nil {
		w.dec.SetFullBGR(w.fullBGR())
	}
}

// dropShadow closes the shadow's own instances: no shadow set runs.
func (w *worker) dropShadow() {
	w.closeShadowOwn()
	w.shadow = shadowDetectors{}
	w.shadowNames.Store(nil)
}

func (w *worker) closeShadowOwn() {
	var errs []error
	for _, d := range w.shadow.own {
		errs = append(errs, d.Close())
	}
	if err := errors.Join(errs...); err != nil {
		w.log.Warn().Err(err).Msg("closing shadow detectors")
	}
	w.shadow.own = nil
}

// shadowOwn names the shadow's own instances, for the status.
func (w *worker) shadowOwn() []string {
	if p := w.shadowNames.Load(); p != nil {
		return *p
	}
	return nil
}

// fullBGR tells whether any detector, live or shadow, needs the
// full-size colour picture.
func (w *worker) fullBGR() bool {
	return detect.FullBGR(w.detectors) || (len(w.shadow.own) > 0 && detect.FullBGR(w.shadow.own))
}

// detectShadow is what the shadow set sees of the frame: the live
// detections of the shared detectors (and what the live analysis did not
// look for with them), plus its own instances' detections. Those run at
// TierShadow, after every live tier, as one unit per frame: under load
// the scheduler sheds them first (counted as ShedShadow), and the shadow
// set then judges none of their kinds on the frame.
func (w *worker) detectShadow(f *frame.Frame, tn turn, live map[string][]detect.Detection, liveUnseen []string) rules.Seen {
	sh := &w.shadow
	var out rules.Seen
	if !sh.on {
		return out
	}
	for _, name := range sh.shared {
		out.Dets = append(out.Dets, live[name]...)
		if name == Expensive {
			out.Unseen = append(out.Unseen, liveUnseen...)
		}
	}
	due := w.shadowDue(tn)
	if len(due) == 0 {
		return out
	}
	if !w.admitShadow(f.Time) {
		for _, name := range due {
			out.Unseen = append(out.Unseen, kindsOf(name)...)
		}
		return out
	}
	began := time.Now()
	regions := tn.regions
	if m := sh.own["motion"]; m != nil {
		ds := w.runShadow(m, f, nil)
		regions = nil
		for _, d := range ds {
			regions = append(regions, d.Box)
		}
		out.Dets = append(out.Dets, ds...)
	}
	for _, name := range due {
		if name == "motion" {
			continue
		}
		where := regions
		switch {
		case tn.look:
			where = nil
		case name == Expensive:
			where = objectRegions(regions, tn.whole)
			if where != nil && len(where) == 0 {
				continue // nothing moved for the shadow: a forward for nothing
			}
		}
		out.Dets = append(out.Dets, w.runShadow(sh.own[name], f, where)...)
	}
	if w.sched != nil {
		w.sched.ran(shadowKey(w.cam.ID), f.Time, time.Since(began))
	}
	return out
}

// shadowDue are the own instances that run this turn, sorted. The
// objects detector with nothing to look at (no whole-frame look, and the
// shared motion saw nothing) is not due: the shadow's turn is not asked
// of the scheduler for a forward that would not run.
func (w *worker) shadowDue(tn turn) []string {
	var out []string
	idleObjects := !tn.look && !tn.whole && len(tn.regions) == 0 && w.shadow.own["motion"] == nil
	for name := range w.shadow.own {
		if name == "motion" || (tn.due(name) && !(name == Expensive && idleObjects)) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// admitShadow asks the scheduler for the shadow's turn on the frame at t,
// counting a refusal as a frame shed for ShedShadow (metrics, burst log).
func (w *worker) admitShadow(t time.Time) bool {
	if w.sched == nil || w.sched.admit(shadowKey(w.cam.ID), TierShadow, t) {
		return true
	}
	w.shedFrames(ShedShadow, 1)
	return false
}

// runShadow runs a shadow instance; its cost is counted under
// "shadow/<detector>" and never as the live camera's.
func (w *worker) runShadow(d detect.Detector, f *frame.Frame, regions []detect.Box) []detect.Detection {
	began := time.Now()
	ds, err := d.Detect(f, regions)
	w.cost("shadow/"+d.Name(), time.Since(began))
	if err != nil {
		w.fail(err)
	}
	return ds
}

// kindsOf are the kinds a detector reports, which a frame it did not run
// on leaves unjudged.
func kindsOf(detector string) []string {
	switch detector {
	case "objects":
		return ruleset.TrackedKinds
	case "health":
		return []string{detect.CameraFrozen, detect.CameraCovered, detect.CameraTampered}
	}
	return []string{detector} // motion, fire, smoke: named for their kind
}
