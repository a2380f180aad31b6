package directory

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/argus-edge/argus/drivers/bus"
)

// edgeStatus records (or, on an empty payload, forgets) one edge's
// retained status and tells the listeners; snapshot as for status.
func (d *Directory) edgeStatus(t bus.Topic, payload []byte, snapshot bool) {
	if len(payload) == 0 {
		if snapshot {
			return
		}
		d.mu.Lock()
		if es, ok := d.edges[t.Edge]; ok {
			delete(d.edges, t.Edge)
			d.events.Publish(Event{Kind: EventEdge, Edge: &es, Removed: true}) // never blocks
		}
		d.mu.Unlock()
		return
	}
	var es bus.EdgeStatus
	if err := json.Unmarshal(payload, &es); err != nil {
		d.log.Warn().Err(err).Str("topic", t.Name()).Msg("ignored edge status: bad JSON")
		return
	}
	if es.Edge != "" && es.Edge != t.Edge {
		d.log.Warn().Str("topic", t.Name()).Str("edge", es.Edge).Msg("ignored edge status: edge does not match the topic")
		return
	}
	es.Edge = t.Edge
	d.mu.Lock()
	if old, had := d.edges[t.Edge]; snapshot && had && !es.Time.After(old.Time.Time) {
		d.mu.Unlock()
		return
	}
	d.edges[t.Edge] = es
	d.events.Publish(Event{Kind: EventEdge, Edge: &es})
	d.mu.Unlock()
}

// Edges lists the latest status of every edge known, sorted by edge id.
func (d *Directory) Edges() []bus.EdgeStatus {
	d.mu.RLock()
	out := make([]bus.EdgeStatus, 0, len(d.edges))
	for _, es := range d.edges {
		out = append(out, es)
	}
	d.mu.RUnlock()
	slices.SortFunc(out, func(a, b bus.EdgeStatus) int { return strings.Compare(a.Edge, b.Edge) })
	return out
}
