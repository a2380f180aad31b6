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
	old, had := d.edges[t.Edge]
	if snapshot && had && !es.Time.After(old.Time.Time) {
		d.mu.Unlock()
		return
	}
	if es.State == bus.Offline && len(es.Cameras) == 0 {
		es.Cameras = d.lastCamerasLocked(t.Edge, old, had)
	}
	d.edges[t.Edge] = es
	d.events.Publish(Event{Kind: EventEdge, Edge: &es})
	d.mu.Unlock()
}

// lastCamerasLocked is what an offline edge served when last seen: its
// will is fixed when it connects, before it knows its cameras, so it
// names none. The edge's previous status has them; after a gateway
// restart, the retained camera statuses that name the edge. A console
// user of a site sees the edge through these cameras: without them an
// operator would never see an edge of theirs go offline.
func (d *Directory) lastCamerasLocked(edge string, old bus.EdgeStatus, had bool) []string {
	if had && len(old.Cameras) > 0 {
		return old.Cameras
	}
	out := []string{}
	for id, cs := range d.cameras {
		if cs.Edge == edge {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Edges lists the latest status of every edge known, sorted by edge id.
// An offline edge whose will came before any camera status (a gateway
// restarted after the edge died) is given the cameras whose statuses name
// it, read now.
func (d *Directory) Edges() []bus.EdgeStatus {
	d.mu.RLock()
	out := make([]bus.EdgeStatus, 0, len(d.edges))
	for _, es := range d.edges {
		if es.State == bus.Offline && len(es.Cameras) == 0 {
			es.Cameras = d.lastCamerasLocked(es.Edge, bus.EdgeStatus{}, false)
		}
		out = append(out, es)
	}
	d.mu.RUnlock()
	slices.SortFunc(out, func(a, b bus.EdgeStatus) int { return strings.Compare(a.Edge, b.Edge) })
	return out
}

// Edge is the latest status of one edge.
func (d *Directory) Edge(id string) (bus.EdgeStatus, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	es, ok := d.edges[id]
	return es, ok
}
