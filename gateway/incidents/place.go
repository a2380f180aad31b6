package incidents

import (
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// camKey indexes a camera's repeat or flapping incident of one kind.
func camKey(camera, kind string) string { return "cam|" + camera + "|" + kind }

// siteKey indexes a site's outage incident.
func siteKey(site string) string { return "site|" + site }

// powerKey indexes a power area's outage incident.
func powerKey(area string) string { return "power|" + area }

// outageKey is where a camera's offline counts: its power area's when
// the inventory names one (an outage there spans sites), else its site's.
func (e *Engine) outageKey(a store.Anomaly) (key, power string) {
	if e.env.PowerArea != nil {
		if p := e.env.PowerArea(a.Camera); p != "" {
			return powerKey(p), p
		}
	}
	return siteKey(a.Site), ""
}

// repeat joins a to its camera's incident of the same kind while that is
// within the window (a flapping one: until it is stable), else opens one.
// More than FlapCount starts within FlapWindow make it flapping.
func (e *Engine) repeat(a store.Anomaly, t time.Time) Change {
	key := camKey(a.Camera, a.Kind)
	g := e.byKey[key]
	if g != nil && !e.fresh(g, t) {
		e.drop(g)
		g = nil
	}
	var ch Change
	if g == nil {
		g, ch = newGroup(e, store.RuleRepeat, key, a, t)
	} else {
		ch = g.join(e, a, t)
	}
	g.starts = append(g.starts, t)
	for len(g.starts) > 0 && t.Sub(g.starts[0]) > e.rules.FlapWindow {
		g.starts = g.starts[1:]
	}
	if g.inc.Rule == store.RuleRepeat && len(g.starts) > e.rules.FlapCount {
		g.inc.Rule = store.RuleFlapping
		g.entry(store.IncidentEntry{At: t, What: store.RuleFlapping, Camera: a.Camera, Kind: a.Kind,
			Text: "more than the flap count of starts within the flap window"})
		g.refresh(e)
		more := g.change()
		ch.Incident, ch.Entries = more.Incident, append(ch.Entries, more.Entries...)
	}
	return ch
}

// fresh tells whether a camera's incident still takes a start at t.
func (e *Engine) fresh(g *group, t time.Time) bool {
	if g.inc.Rule == store.RuleFlapping {
		return len(g.starts) > 0 && t.Sub(g.starts[len(g.starts)-1]) <= e.rules.StableAfter
	}
	return t.Sub(g.inc.Last) <= e.rules.Window
}

// area joins fire or smoke at loc to an incident of fire or smoke with a
// member camera that can be seeing the same spot (sameSpot: overlapping
// views, else within the distance), or opens one.
func (e *Engine) area(a store.Anomaly, loc bus.Geo, t time.Time) Change {
	me := e.sight(a.Camera, loc)
	for _, g := range e.areas {
		if t.Sub(g.inc.Last) > e.rules.AreaWindow {
			continue
		}
		for _, l := range g.locs {
			if sameSpot(l, me, e.rules.AreaDistance) {
				if !g.cams[a.Camera] {
					g.locs = append(g.locs, me)
				}
				return g.join(e, a, t)
			}
		}
	}
	g, ch := newGroup(e, store.RuleArea, "", a, t)
	g.locs = append(g.locs, me)
	return ch
}

// sight is a camera at loc with its view when the inventory has one.
func (e *Engine) sight(camera string, loc bus.Geo) sight {
	s := sight{at: loc}
	if e.env.View != nil {
		if v, ok := e.env.View(camera); ok && v.Range > 0 && v.FOV > 0 {
			s.view = &v
		}
	}
	return s
}

// outage counts a's camera among the site's recent offline cameras and
// joins it to the site's outage, opening one when enough cameras went
// offline within the window (folding in their own incidents). Nil: no outage.
func (e *Engine) outage(a store.Anomaly, t time.Time) []Change {
	key, power := e.outageKey(a)
	recent := e.recentOffline(key, t)
	if !e.offlineCams[key][a.Camera] {
		recent = append(recent, sighting{camera: a.Camera, at: t})
		e.offline[key] = recent
		if e.offlineCams[key] == nil {
			e.offlineCams[key] = map[string]bool{}
		}
		e.offlineCams[key][a.Camera] = true
	}
	if g := e.byKey[key]; g != nil {
		if t.Sub(g.inc.Last) <= e.rules.OutageWindow {
			return []Change{g.join(e, a, t)}
		}
		e.drop(g)
	}
	if len(recent) < e.rules.OutageCameras {
		return nil
	}
	g, ch := newGroupWith(e, store.RuleOutage, key, a, t, func(g *group) { g.inc.PowerArea = power })
	out := []Change{ch}
	for _, s := range recent {
		if old := e.byKey[camKey(s.camera, bus.KindCameraOffline)]; old != nil && old != g {
			out = append(out, e.fold(old, g, t)...)
		}
	}
	return out
}

// recentOffline are the offline sightings of a site or power area (its
// outage key) within the window of t.
func (e *Engine) recentOffline(key string, t time.Time) []sighting {
	s := e.offline[key]
	i := 0
	for i < len(s) && t.Sub(s[i].at) > e.rules.OutageWindow {
		delete(e.offlineCams[key], s[i].camera)
		i++
	}
	s = s[i:]
	if len(s) == 0 {
		delete(e.offline, key)
		delete(e.offlineCams, key)
		return nil
	}
	e.offline[key] = s
	return s
}

// fold moves the members of from into into and closes from as merged:
// two changes, into's with the moved members added.
func (e *Engine) fold(from, into *group, t time.Time) []Change {
	added := from.list
	into.list = append(into.list, added...)
	for id := range from.ids {
		into.ids[id], e.members[id] = true, into
		if from.active[id] {
			into.active[id] = true
		}
	}
	for c := range from.cams {
		if !into.cams[c] {
			into.cams[c] = true
			into.inc.Cameras = insertSorted(into.inc.Cameras, c, store.MaxIncidentCameras)
		}
	}
	for s := range from.edges {
		into.edges[s] = true
	}
	into.inc.Count += from.inc.Count
	into.rank = max(into.rank, from.rank)
	if from.inc.First.Before(into.inc.First) {
		into.inc.First = from.inc.First
	}
	into.entry(store.IncidentEntry{At: t, What: "merged", Text: "folded in " + from.inc.ID})
	into.refresh(e)
	from.ids = map[string]bool{} // now into's: drop must not unindex them
	e.drop(from)
	from.inc.State, from.inc.Merged = store.StatusResolved, into.inc.ID
	from.entry(store.IncidentEntry{At: t, What: "merged", Text: "folded into " + into.inc.ID})
	in := into.change()
	in.Added = added
	return []Change{in, from.change()}
}
