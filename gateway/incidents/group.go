package incidents

import (
	"slices"
	"strconv"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// group is an incident the engine holds with what grouping needs.
type group struct {
	inc    store.Incident
	key    string          // its byKey entry, "" for none
	ids    map[string]bool // member anomaly ids
	active map[string]bool // members not ended
	cams   map[string]bool
	sites  map[string]bool
	edges  map[string]bool
	locs   []sight                // area: the located members' cameras, with their views
	starts []time.Time            // repeat and flapping: recent starts
	list   []store.IncidentMember // every member, in order of joining
	news   []store.IncidentEntry  // timeline entries not yet handed out in a Change
	rank   int                    // the highest member severity's rank
}

// newGroup opens an incident for rule with a as its first member.
func newGroup(e *Engine, rule, key string, a store.Anomaly, t time.Time) (*group, Change) {
	return newGroupWith(e, rule, key, a, t, nil)
}

// newGroupWith is newGroup with set applied to the incident before its first member joins.
func newGroupWith(e *Engine, rule, key string, a store.Anomaly, t time.Time, set func(*group)) (*group, Change) {
	g := &group{key: key, ids: map[string]bool{}, active: map[string]bool{}, cams: map[string]bool{},
		sites: map[string]bool{}, edges: map[string]bool{}, rank: -1,
		inc: store.Incident{ID: incidentID(rule, a.ID, t), Rule: rule, Kind: a.Kind, Site: a.Site,
			State: store.StatusOpen, First: t, Last: t}}
	if set != nil {
		set(g)
	}
	e.track(g)
	ch := g.join(e, a, t)
	ch.Created = true
	return g, ch
}

// incidentID names an incident by its rule, the anomaly that opened it
// and when (base 36 milliseconds): deterministic, and unique even when a
// resolved incident's anomaly comes back after a restart.
func incidentID(rule, anomaly string, t time.Time) string {
	return rule + "-" + anomaly + "-" + strconv.FormatInt(t.UnixMilli(), 36)
}

// join adds a new member and returns the change.
func (g *group) join(e *Engine, a store.Anomaly, t time.Time) Change {
	g.ids[a.ID] = true
	e.members[a.ID] = g
	if a.State != bus.StateEnd {
		g.active[a.ID] = true
	}
	if !g.cams[a.Camera] {
		g.cams[a.Camera] = true
		g.inc.Cameras = insertSorted(g.inc.Cameras, a.Camera, store.MaxIncidentCameras)
	}
	if !g.sites[a.Site] {
		g.sites[a.Site] = true
		g.inc.Sites = insertSorted(g.inc.Sites, a.Site, 0)
	}
	if a.Edge != "" {
		g.edges[a.Edge] = true
	}
	g.inc.Count++
	outranked := g.rank >= 0 && bus.SeverityRank(a.Severity) <= g.rank
	g.rank = max(g.rank, bus.SeverityRank(a.Severity))
	if t.After(g.inc.Last) {
		g.inc.Last = t
	}
	g.entry(store.IncidentEntry{At: t, What: bus.StateStart, Anomaly: a.ID, Camera: a.Camera, Kind: a.Kind})
	g.refresh(e)
	m := store.IncidentMember{Anomaly: a.ID, Camera: a.Camera, Site: a.Site, Edge: a.Edge, Kind: a.Kind, At: t}
	g.list = append(g.list, m)
	ch := g.change()
	ch.Added = []store.IncidentMember{m}
	ch.Outranked = outranked
	return ch
}

// event applies a later event of a member: an end goes on the timeline,
// an update matters only when it raises the severity.
func (g *group) event(e *Engine, a store.Anomaly, t time.Time) []Change {
	r := bus.SeverityRank(a.Severity)
	switch {
	case a.State == bus.StateEnd && g.active[a.ID]:
		delete(g.active, a.ID)
		if t.After(g.inc.Last) {
			g.inc.Last = t
		}
		g.entry(store.IncidentEntry{At: t, What: bus.StateEnd, Anomaly: a.ID, Camera: a.Camera, Kind: a.Kind})
	case r > g.rank:
		g.rank = r
	default:
		return nil
	}
	g.refresh(e)
	return []Change{g.change()}
}

// entry adds a line to the timeline, handed out with the next change.
func (g *group) entry(en store.IncidentEntry) { g.news = append(g.news, en) }

// change is the incident as now with the timeline entries since the last.
func (g *group) change() Change {
	ch := Change{Incident: g.copy(), Entries: g.news}
	g.news = nil
	return ch
}

// refresh recomputes what derives from the members: sites, cameras,
// severity, title and an outage's cause.
func (g *group) refresh(e *Engine) {
	if g.rank >= 0 {
		g.inc.Highest = bus.Severities[g.rank]
	}
	g.inc.Severity = bus.Severities[severityRank(g.rank, len(g.cams), g.inc.Last.Sub(g.inc.First), e.rules)]
	if g.inc.Rule == store.RuleOutage {
		g.inc.Cause = outageCause(g.inc.PowerArea, g.edges, e.env.EdgeOffline)
	}
	g.inc.Title = title(g)
}

// severityRank is the highest member's rank, one step up for spread
// over many cameras and one for a long incident, at most critical.
func severityRank(rank, cameras int, span time.Duration, r Rules) int {
	rank = max(rank, 0)
	if cameras >= r.SpreadCameras {
		rank++
	}
	if span >= r.LongAfter {
		rank++
	}
	return min(rank, len(bus.Severities)-1)
}

// copy is the incident safe to hand out: its sites and cameras shared
// (insertSorted never changes a list in place, and leaves no room to
// append into), its notes copied; the timeline goes out entry by entry in
// changes. A typhoon's outage hands out a copy per member joining: cloning
// its 100 cameras each time was most of the grouping's garbage.
func (g *group) copy() store.Incident {
	c := g.inc
	c.Notes, c.Timeline = slices.Clone(c.Notes), nil
	return c
}

// insertSorted is the sorted list s with v put in, keeping at most limit
// (0: all): a new list (its capacity its length) when v goes in, s itself
// when not; s is never changed, so copies handed out may share it.
func insertSorted(s []string, v string, limit int) []string {
	i, found := slices.BinarySearch(s, v)
	if found || limit > 0 && i >= limit {
		return s
	}
	n := len(s) + 1
	if limit > 0 && n > limit {
		n = limit
	}
	out := make([]string, 0, n)
	out = append(append(out, s[:i]...), v)
	return append(out, s[i:n-1]...)
}

// sortedKeys are m's keys sorted, at most limit of them (0: all).
func sortedKeys(m map[string]bool, limit int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
