package incidents

import (
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// Env tells the engine what records do not say. Either may be nil.
type Env struct {
	// Locate is a camera's location (the inventory's), ok false if unknown.
	Locate func(camera string) (bus.Geo, bool)
	// EdgeOffline tells whether an edge is known offline now.
	EdgeOffline func(edge string) bool
	// View is a camera's view (the inventory's heading, field of view and
	// range), ok false if unknown: fire and smoke group by what cameras
	// see, not only by where they stand.
	View func(camera string) (View, bool)
	// PowerArea is the power supply area a camera hangs on (the
	// inventory's), "" if unknown: an outage counts the cameras of one
	// power area together, across sites, and names the power as its cause.
	PowerArea func(camera string) string
}

// Change is one incident created or changed by a record or an action.
type Change struct {
	Incident store.Incident         // a copy, as it is now, without its timeline
	Added    []store.IncidentMember // the members this change added (or moved in)
	Entries  []store.IncidentEntry  // the timeline's new lines
	Created  bool
	// Outranked: the member added joined an incident that already had a
	// member at least as severe (the wall keeps one tile per incident:
	// its most severe camera's).
	Outranked bool
}

// maxIdle drops an incident from memory after this long without an
// event even while members are not ended (an end lost on the way).
const maxIdle = 24 * time.Hour

// sweepEvery: the engine drops incidents past their windows once in this many records.
const sweepEvery = 256

// sweepPeriod: and at most once per this much of the engine's clock. A
// sweep visits every open incident (tens of thousands in a typhoon):
// once per 256 anomalies at 10,000 a second was 6% of the gateway's CPU.
const sweepPeriod = time.Second

// Engine holds the incidents that can still take members and groups
// records into them. Build it with New; it is safe for concurrent use.
type Engine struct {
	mu      sync.Mutex
	rules   Rules
	env     Env
	open    map[string]*group    // by incident id
	byKey   map[string]*group    // camKey and siteKey
	areas   []*group             // fire and smoke incidents with located cameras
	members map[string]*group    // anomaly id → its incident
	gone    map[string]time.Time // anomaly id → when its incident stopped taking members (resolved, stale)
	offline map[string][]sighting
	// offlineCams: the cameras of each outage key's sightings (a storm's site
	// has thousands: a set, not a scan of the list per anomaly).
	offlineCams map[string]map[string]bool
	latest      time.Time // of the newest record seen: the engine's clock
	swept       time.Time // the engine's clock at the last sweep
	seen        int
}

// sighting is one camera seen going offline on a site.
type sighting struct {
	camera string
	at     time.Time
}

// New makes an engine with rules (zero fields take DefaultRules).
func New(r Rules, env Env) (*Engine, error) {
	r, err := r.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Engine{rules: r, env: env, open: map[string]*group{}, byKey: map[string]*group{},
		members: map[string]*group{}, gone: map[string]time.Time{}, offline: map[string][]sighting{},
		offlineCams: map[string]map[string]bool{}}, nil
}

// Rules are the engine's rules with defaults filled in.
func (e *Engine) Rules() Rules { return e.rules }

// Len is the number of incidents the engine holds open for grouping.
func (e *Engine) Len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.open)
}

// Observe groups one applied anomaly record (its latest event) and
// returns the incidents it created or changed. Shadow anomalies change
// nothing; a record seen first at its end is grouped as having run.
func (e *Engine) Observe(a store.Anomaly) []Change {
	if a.Shadow || a.ID == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := eventTime(a)
	if t.After(e.latest) {
		e.latest = t
	}
	if e.seen++; e.seen%sweepEvery == 0 && e.latest.Sub(e.swept) >= sweepPeriod {
		e.sweep()
		e.swept = e.latest
	}
	if g := e.members[a.ID]; g != nil {
		return g.event(e, a, t)
	}
	if _, ok := e.gone[a.ID]; ok {
		// Its incident was resolved (or went stale) while it ran: its
		// later events must not open an incident of their own, under the
		// same id as the one people closed.
		return nil
	}
	if a.State == bus.StateEnd {
		// Never seen started (another replica applied its start and ran
		// ahead): placed as it started, then ended.
		b := a
		b.State = bus.StateStart
		chs := e.place(b, a.StartedAt)
		if g := e.members[a.ID]; g != nil {
			chs = append(chs, g.event(e, a, t)...)
		}
		return chs
	}
	return e.place(a, t)
}

// holds tells whether the anomaly is a member of an incident the engine groups into.
func (e *Engine) holds(anomaly string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.members[anomaly] != nil
}

// eventTime is when a record's latest event happened.
func eventTime(a store.Anomaly) time.Time {
	switch {
	case a.State == bus.StateEnd && !a.EndedAt.IsZero():
		return a.EndedAt
	case !a.UpdatedAt.IsZero():
		return a.UpdatedAt
	}
	return a.StartedAt
}

// place finds a new anomaly its incident by the rules, in order: the
// incident of the anomaly it verifies, a site outage, a fire area, the
// camera's repeat or flapping incident; or opens one.
func (e *Engine) place(a store.Anomaly, t time.Time) []Change {
	if g := e.members[a.Verifies]; a.Verifies != "" && g != nil {
		return []Change{g.join(e, a, t)}
	}
	if a.Kind == bus.KindCameraOffline {
		if ch := e.outage(a, t); ch != nil {
			return ch
		}
	}
	if a.Kind == bus.KindFire || a.Kind == bus.KindSmoke {
		if loc, ok := e.locate(a); ok {
			return []Change{e.area(a, loc, t)}
		}
	}
	return []Change{e.repeat(a, t)}
}

// locate is the camera's location from the inventory, else the record's own.
func (e *Engine) locate(a store.Anomaly) (bus.Geo, bool) {
	if e.env.Locate != nil {
		if g, ok := e.env.Locate(a.Camera); ok {
			return g, true
		}
	}
	if a.Geo != nil {
		return *a.Geo, true
	}
	return bus.Geo{}, false
}

// track indexes a new group.
func (e *Engine) track(g *group) {
	e.open[g.inc.ID] = g
	if g.key != "" {
		e.byKey[g.key] = g
	}
	if g.inc.Rule == store.RuleArea {
		e.areas = append(e.areas, g)
	}
}

// drop forgets a group: it takes no more members.
func (e *Engine) drop(g *group) {
	delete(e.open, g.inc.ID)
	if g.key != "" && e.byKey[g.key] == g {
		delete(e.byKey, g.key)
	}
	for id := range g.ids {
		if e.members[id] == g {
			delete(e.members, id)
			e.gone[id] = e.latest
		}
	}
	for i, o := range e.areas {
		if o == g {
			e.areas = append(e.areas[:i], e.areas[i+1:]...)
			break
		}
	}
}

// sweep drops the groups past every window with no member running, and
// the offline sightings past the outage window.
func (e *Engine) sweep() {
	for _, g := range e.open {
		idle := e.latest.Sub(g.inc.Last)
		if idle > maxIdle || len(g.active) == 0 && idle > e.rules.horizon() {
			e.drop(g)
		}
	}
	for site := range e.offline {
		e.recentOffline(site, e.latest)
	}
	for id, at := range e.gone {
		if e.latest.Sub(at) > maxIdle {
			delete(e.gone, id)
		}
	}
}
