package rules

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/detect"
)

// Engine evaluates one site's rule set over the frames of its cameras. It
// is safe for concurrent use by the cameras' goroutines. It never reads
// the clock: every decision depends only on the times it is given.
type Engine struct {
	mu   sync.Mutex
	set  *Set
	cams map[string]*camState
}

// camState is what the engine remembers of one camera.
type camState struct {
	tracker tracker
	// rules are keyed by rule name, which is what survives a new version.
	rules map[string]*ruleState
}

// ruleState is one rule's condition and anomaly on one camera: a rule has
// at most one ongoing anomaly per camera.
type ruleState struct {
	plan *plan
	// hold is when the current streak of matches began (zero: none); a
	// streak survives gaps shorter than end_after, so a detector missing a
	// frame does not restart min_duration.
	hold time.Time
	// last is the time of the last matching frame.
	last time.Time
	// miss is the time of the first frame (or tick) that did not match
	// since last: an anomaly ends on absence seen, not on frames unseen.
	miss time.Time
	// cool is when the cool-down after the last end is over.
	cool time.Time
	on   *anomaly
	// entered is, per track id, when the object entered the zone (loitering).
	entered map[int]time.Time
	// sides is, per track id, the last side of the line the object was
	// seen on, and where (line crossing).
	sides map[int]sideAt
}

type sideAt struct {
	side int
	at   detect.Point
}

// anomaly is an ongoing anomaly.
type anomaly struct {
	id        string
	start     time.Time
	lastEvent time.Time
	score     float64
	box       detect.Box
}

// NewEngine starts an engine on set.
func NewEngine(set *Set) *Engine {
	return &Engine{set: set, cams: map[string]*camState{}}
}

// Set is the rule set the engine runs.
func (e *Engine) Set() *Set {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.set
}

// Observe evaluates one analysed frame of camera taken at t (the frame's
// wall-clock time) with its detections, and returns the events it causes.
// Frames of one camera must come in time order.
func (e *Engine) Observe(camera string, t time.Time, dets []detect.Detection) []Event {
	return e.ObserveUnseen(camera, t, dets, nil)
}

// ObserveUnseen is Observe for a frame in which the kinds in unseen were
// not looked for (the analysis shed the detector that reports them under
// overload): the rules watching any of them skip the frame, neither
// matching nor missing, so a person anomaly does not end because the
// objects detector was left out, and the tracker keeps its tracks as they
// were.
func (e *Engine) ObserveUnseen(camera string, t time.Time, dets []detect.Detection, unseen []string) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.set.block(camera)
	if b == nil || len(b.rules) == 0 {
		return nil
	}
	cs := e.camera(camera, b)
	var tracks []*track
	blindTracks := slices.ContainsFunc(ruleset.TrackedKinds, func(k string) bool { return slices.Contains(unseen, k) })
	if b.tracks && !blindTracks {
		tracks = cs.tracker.update(t, dets)
	}
	var out []Event
	for _, p := range b.rules {
		if slices.ContainsFunc(unseen, p.watches) {
			continue
		}
		rs := cs.rules[p.name]
		best, ok := rs.match(t, e.set.Location(), dets, tracks)
		out = e.step(out, camera, rs, t, best, ok)
		if tracks != nil {
			rs.forget(&cs.tracker)
		}
	}
	return out
}

// Tick ends the anomalies whose end_after has passed at t without frames,
// for cameras whose frames stopped coming. Call it every second or so.
func (e *Engine) Tick(t time.Time) []Event {
	return e.TickExcept(t, func(string) bool { return false })
}

// TickExcept is Tick for the cameras whose frames stopped: a camera for
// which flowing is true is analysed, and its anomalies live on its frame
// times alone (a tick's wall clock against lagging frames would end them
// while their condition holds); only its camera_offline rules, which no
// frame feeds, are ticked.
func (e *Engine) TickExcept(t time.Time, flowing func(camera string) bool) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, camera := range slices.Sorted(maps.Keys(e.cams)) {
		cs := e.cams[camera]
		b := e.set.block(camera)
		if b == nil {
			continue
		}
		live := flowing(camera)
		for _, p := range b.rules {
			if rs := cs.rules[p.name]; rs != nil && (!live || p.kind == detect.CameraOffline) {
				out = e.step(out, camera, rs, t, detect.Detection{}, false)
			}
		}
	}
	return out
}

// Urgent tells whether camera has an ongoing anomaly of
// severity high or critical: the analysis serves such a camera first.
func (e *Engine) Urgent(camera string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	cs := e.cams[camera]
	if cs == nil || e.set.Shadow {
		return false
	}
	for _, rs := range cs.rules {
		if rs.on != nil && bus.SeverityRank(rs.plan.severity) >= bus.SeverityRank("high") {
			return true
		}
	}
	return false
}

// Apply swaps to a newer version of the set without losing a frame. An
// ongoing anomaly whose rule still exists on its camera (same name and
// kind) continues under the same id, its next events carrying the new
// version; the others end now, at t, under the old version. A set that is
// not newer, of another site, or of the other mode (live/shadow) is
// refused and the running set stays.
func (e *Engine) Apply(set *Set, t time.Time) ([]Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.set
	switch {
	case set.Site != old.Site:
		return nil, fmt.Errorf("rules: set of site %s given to the engine of site %s", set.Site, old.Site)
	case set.Shadow != old.Shadow:
		return nil, fmt.Errorf("rules: site %s: shadow %v set given to a shadow %v engine", set.Site, set.Shadow, old.Shadow)
	case set.Version <= old.Version:
		return nil, fmt.Errorf("rules: site %s: version %d is not newer than the running version %d: "+
			"to roll back, publish the old content with a version above %d", set.Site, set.Version, old.Version, old.Version)
	}
	var out []Event
	for _, camera := range slices.Sorted(maps.Keys(e.cams)) {
		cs := e.cams[camera]
		ob, nb := old.block(camera), set.block(camera)
		for _, op := range ob.rules {
			rs := cs.rules[op.name]
			if rs == nil {
				continue
			}
			var np *plan
			if nb != nil {
				np = nb.rule(op.name)
			}
			if np != nil && np.kind == op.kind {
				rs.plan = np
				continue
			}
			if rs.on != nil {
				out = append(out, e.event(camera, rs, End, t))
			}
			delete(cs.rules, op.name)
		}
		if nb == nil {
			delete(e.cams, camera)
		}
	}
	e.set = set
	return out, nil
}

// Close ends every ongoing anomaly at t, for a site whose rules are
// withdrawn or an edge shutting down cleanly.
func (e *Engine) Close(t time.Time) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, camera := range slices.Sorted(maps.Keys(e.cams)) {
		b := e.set.block(camera)
		for _, p := range b.rules {
			if rs := e.cams[camera].rules[p.name]; rs != nil && rs.on != nil {
				out = append(out, e.event(camera, rs, End, t))
				rs.on = nil
			}
		}
	}
	e.cams = map[string]*camState{}
	return out
}

// Following tells whether the engine follows objects on camera: a track
// that is still alive (loitering, line crossing), or an ongoing anomaly of
// a rule on people or vehicles, or one whose min_duration is running (a
// person seen once, by a camera's first whole-frame look, must be seen
// again for the anomaly to start). The analysis then keeps looking for
// them even where nothing moves: a person standing still is no motion.
func (e *Engine) Following(camera string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	cs := e.cams[camera]
	if cs == nil {
		return false
	}
	if len(cs.tracker.tracks) > 0 {
		return true
	}
	for _, rs := range cs.rules {
		if (rs.on != nil || !rs.hold.IsZero()) && rs.plan.onObjects() {
			return true
		}
	}
	return false
}

// camera returns the state of camera, adding state for rules it lacks.
func (e *Engine) camera(camera string, b *cameraPlan) *camState {
	cs := e.cams[camera]
	if cs == nil {
		cs = &camState{rules: map[string]*ruleState{}}
		e.cams[camera] = cs
	}
	for _, p := range b.rules {
		if cs.rules[p.name] == nil {
			cs.rules[p.name] = &ruleState{plan: p, entered: map[int]time.Time{}, sides: map[int]sideAt{}}
		}
	}
	return cs
}

// step runs the lifecycle of one rule on one camera for a frame (ok says
// whether it matched, best is its best detection) or a tick (ok false).
func (e *Engine) step(out []Event, camera string, rs *ruleState, t time.Time, best detect.Detection, ok bool) []Event {
	p := rs.plan
	if !ok {
		if rs.miss.IsZero() {
			rs.miss = t
		}
		if rs.absent(t) {
			if rs.on != nil {
				out = append(out, e.event(camera, rs, End, t))
				rs.on = nil
				rs.cool = t.Add(p.cooldown)
			}
			rs.hold = time.Time{}
		}
		return out
	}
	rs.miss = time.Time{}
	rs.last = t
	if a := rs.on; a != nil {
		a.score = max(a.score, best.Score)
		a.box = best.Box
		if t.Sub(a.lastEvent) >= p.updateEvery {
			out = append(out, e.event(camera, rs, Update, t))
		}
		return out
	}
	if t.Before(rs.cool) {
		rs.hold = time.Time{} // min_duration counts from the end of the cool-down
		return out
	}
	if rs.hold.IsZero() {
		rs.hold = t
	}
	if t.Sub(rs.hold) < p.minDuration {
		return out
	}
	id := camera + "." + p.name + "." + strconv.FormatInt(t.UnixMilli(), 10)
	if e.set.Shadow {
		id += ".shadow"
	}
	rs.on = &anomaly{id: id, start: t, score: best.Score, box: best.Box}
	rs.hold = time.Time{}
	return append(out, e.event(camera, rs, Start, t))
}

// absent tells whether the rule's condition has been seen absent long
// enough at t to end its anomaly: end_after since the last match, and
// half of it since the first miss after that match. On a camera analysed
// at its full rate both hold at the same frame; on one whose analysis is
// shed to a frame every few seconds, the anomaly ends on a second frame
// without the condition, not on the first after a gap nobody looked at.
func (rs *ruleState) absent(t time.Time) bool {
	return !rs.last.IsZero() && t.Sub(rs.last) >= rs.plan.endAfter && t.Sub(rs.miss) >= rs.plan.endAfter/2
}

// event makes an event of the rule's anomaly and notes when it was sent.
func (e *Engine) event(camera string, rs *ruleState, s State, t time.Time) Event {
	a, p := rs.on, rs.plan
	a.lastEvent = t
	return Event{ID: a.id, State: s, Site: e.set.Site, Camera: camera, Kind: p.kind, Rule: p.name,
		RuleVersion: e.set.Version, Zone: p.zoneName, Score: a.score, Box: a.box, Severity: p.severity,
		Shadow: e.set.Shadow, Started: a.start, FrameTime: t}
}

// match reports the best detection of the frame that satisfies the rule,
// keeping the per-track state of loitering and line rules up to date even
// outside active hours, so that dwell counts from the real entry.
func (rs *ruleState) match(t time.Time, loc *time.Location, dets []detect.Detection, tracks []*track) (detect.Detection, bool) {
	p := rs.plan
	var best detect.Detection
	found := false
	for i, d := range dets {
		hit := false
		switch p.kind {
		case Loitering:
			k := tracks[i]
			if k == nil {
				continue
			}
			if !p.accepts(d) {
				delete(rs.entered, k.id)
				continue
			}
			since, in := rs.entered[k.id]
			if !in {
				since = t
				rs.entered[k.id] = t
			}
			hit = t.Sub(since) >= p.dwell
		case LineCrossing:
			k := tracks[i]
			if k == nil || !p.accepts(d) {
				continue
			}
			hit = rs.crossed(k.id, refPoint(d))
		default:
			hit = p.accepts(d)
		}
		if hit && (!found || d.Score > best.Score) {
			best, found = d, true
		}
	}
	if found && !p.hours.Active(t, loc) {
		return detect.Detection{}, false
	}
	return best, found
}

// crossed updates the side of the line track id is on and reports whether
// it just crossed the segment in the rule's direction. The last side off
// the line is kept, so an object stopping exactly on the line still counts
// once it steps off on the other side.
func (rs *ruleState) crossed(id int, at detect.Point) bool {
	l := rs.plan.line
	s := side(l.a, l.b, at)
	if s == 0 {
		return false
	}
	prev, seen := rs.sides[id]
	rs.sides[id] = sideAt{s, at}
	if !seen || prev.side == s || !segmentsCross(prev.at, at, l.a, l.b) {
		return false
	}
	// left is -1: left_to_right (dir 1) goes from -1 to +1.
	return l.dir == 0 || l.dir == s
}

// forget drops the per-track state of tracks that are gone.
func (rs *ruleState) forget(tr *tracker) {
	for id := range rs.entered {
		if !tr.alive(id) {
			delete(rs.entered, id)
		}
	}
	for id := range rs.sides {
		if !tr.alive(id) {
			delete(rs.sides, id)
		}
	}
}
