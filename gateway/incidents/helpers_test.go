package incidents

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// t0 is the tests' clock start: records carry their own times and the
// engine has no other clock, but a replica taking the lead restores the
// incidents open within maxIdle of the wall clock, so t0 is recent.
var t0 = time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)

// metresNorth is lat degrees for m metres north (a degree of latitude is about 111,195 m).
func metresNorth(m float64) float64 { return m / 111195 }

// rec is an anomaly record's latest event, as alerts hands it on.
func rec(id, site, camera, kind, state string, at time.Duration) store.Anomaly {
	t := t0.Add(at)
	a := store.Anomaly{ID: id, Site: site, Camera: camera, Edge: "edge-" + site, Kind: kind, State: state,
		Severity: "medium", StartedAt: t, UpdatedAt: t}
	if state == bus.StateEnd {
		a.EndedAt = t
	}
	return a
}

// places is a camera → location table for Env.Locate.
type places map[string]bus.Geo

func (p places) locate(c string) (bus.Geo, bool) { g, ok := p[c]; return g, ok }

// newEngine makes an engine with default rules, failing the test on error.
func newEngine(t testing.TB, env Env) *Engine {
	t.Helper()
	e, err := New(Rules{}, env)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// collector keeps the latest copy of every incident and all members by
// incident, as a store would.
type collector struct {
	incs    map[string]store.Incident
	members map[string]string // anomaly → incident
}

// newCollector makes an empty collector.
func newCollector() *collector {
	return &collector{incs: map[string]store.Incident{}, members: map[string]string{}}
}

// add files the changes: latest copies, members by incident.
func (c *collector) add(chs []Change) {
	for _, ch := range chs {
		c.incs[ch.Incident.ID] = ch.Incident
		for _, m := range ch.Added {
			c.members[m.Anomaly] = ch.Incident.ID
		}
	}
}

// live are the incidents not merged away.
func (c *collector) live() []store.Incident {
	var out []store.Incident
	for _, i := range c.incs {
		if i.Merged == "" {
			out = append(out, i)
		}
	}
	return out
}
