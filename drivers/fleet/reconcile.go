package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// place runs a placement after every burst of changes, and every few
// seconds in case a write failed or a move still waits.
func (a *Assigner) place(ctx context.Context, kv jetstream.KeyValue) error {
	again := time.NewTicker(2 * time.Second)
	defer again.Stop()
	for {
		if err := a.reconcile(ctx, kv); err != nil {
			if errors.Is(err, ErrLeaseLost) || ctx.Err() != nil {
				return err
			}
			a.log.Warn().Err(err).Msg("placement not fully written: retried")
		} else {
			a.rounds.Add(1)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.changed:
		case <-again.C:
			continue
		}
		select { // gather the rest of the burst
		case <-ctx.Done():
			return nil
		case <-time.After(a.cfg.Debounce):
		}
	}
}

// snapshot is the assigner's view at one moment.
type snapshot struct {
	units  []Unit
	nodes  []Node
	assign map[string]assigned
	live   map[string]bool
	// lagging maps each live edge that has not confirmed its latest
	// assignment to that assignment's revision: it may still pull a unit
	// that no key lists any more (a move cut short between break and make).
	lagging map[string]uint64
}

func (a *Assigner) snapshot() snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := snapshot{assign: make(map[string]assigned, len(a.assign)), live: map[string]bool{}}
	for _, c := range a.cameras {
		s.units = append(s.units, Unit{ID: c.ID, Site: c.Site, Pin: c.Pin, Weight: c.Weight})
	}
	s.units = append(s.units, a.cfg.Drones...)
	for id, hb := range a.edges {
		s.nodes = append(s.nodes, Node{ID: id, Capacity: hb.Capacity, Draining: hb.Draining || a.drained[id]})
		s.live[id] = true
	}
	for k, v := range a.assign {
		s.assign[k] = v
	}
	s.lagging = map[string]uint64{}
	for id, hb := range a.edges {
		if rev := a.assign[id].rev; hb.Epoch < rev {
			s.lagging[id] = rev
		}
	}
	return s
}

// reconcile computes the placement and writes it break-before-make: first
// every edge that loses units, then the units whose old edge is gone (it
// fenced itself before its heartbeat expired), then each unit leaving a
// live edge once that edge confirms, in its heartbeat, that it applied the
// assignment without it (or after ReleaseWait). A unit no key lists (new,
// or left unowned by a round cut short) waits until every edge that lagged
// behind its assignment has caught up.
func (a *Assigner) reconcile(ctx context.Context, kv jetstream.KeyValue) error {
	s := a.snapshot()
	prev := Placement{}
	for edge, as := range s.assign {
		for _, id := range as.Cameras {
			prev[id] = edge
		}
		for _, id := range as.Drones {
			prev[id] = edge
		}
	}
	next := Place(s.units, s.nodes, prev)
	drone := map[string]bool{}
	for _, u := range s.units {
		drone[u.ID] = u.Drone
	}

	// Break: every edge keeps only what stays with it.
	released := map[string]uint64{} // edge → revision without its leaving units
	for edge, as := range s.assign {
		keep := Assignment{Edge: edge}
		for _, id := range append(slices.Clone(as.Cameras), as.Drones...) {
			if next[id] == edge {
				keep.add(id, drone[id])
			}
		}
		if len(keep.Cameras)+len(keep.Drones) == len(as.Cameras)+len(as.Drones) && !as.corrupt {
			continue
		}
		rev, err := a.write(ctx, kv, keep)
		if err != nil {
			return err
		}
		released[edge] = rev
	}

	// Make: arrivals, grouped by edge, each once its old edge let go.
	waiting := map[string][]string{} // new edge → ids
	from := map[string]string{}      // id → old live edge
	for _, u := range s.units {
		to := next[u.ID]
		if to == "" || to == prev[u.ID] {
			continue
		}
		waiting[to] = append(waiting[to], u.ID)
		if old := prev[u.ID]; old != "" && s.live[old] {
			from[u.ID] = old
		}
	}
	deadline := time.Now().Add(a.cfg.ReleaseWait)
	for len(waiting) > 0 {
		for _, to := range sortedKeys(waiting) {
			var ready, rest []string
			for _, id := range waiting[to] {
				free := prev[id] != "" || a.caughtUp(s.lagging, deadline)
				if free && a.letGo(from[id], released[from[id]], deadline) {
					ready = append(ready, id)
				} else {
					rest = append(rest, id)
				}
			}
			if len(ready) > 0 {
				if err := a.add(ctx, kv, to, ready, drone); err != nil {
					return err
				}
			}
			if len(rest) == 0 {
				delete(waiting, to)
			} else {
				waiting[to] = rest
			}
		}
		if len(waiting) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// letGo tells whether a unit leaving edge old (empty: none or dead) may
// start elsewhere: old applied revision rev, is gone, or time is up.
func (a *Assigner) letGo(old string, rev uint64, deadline time.Time) bool {
	if old == "" {
		return true
	}
	a.mu.Lock()
	hb, live := a.edges[old]
	a.mu.Unlock()
	switch {
	case !live || hb.Epoch >= rev:
		return true
	case time.Now().After(deadline):
		a.timeouts.Add(1)
		a.log.Warn().Str("edge", old).Uint64("epoch", rev).Uint64("applied", hb.Epoch).
			Msg("edge did not confirm a release in time: moved anyway")
		return true
	}
	return false
}

// caughtUp tells whether a unit no key lists may start: every edge that
// lagged behind its assignment when the round began has confirmed it (or
// is gone), or time is up. New cameras wait at most a heartbeat for it.
func (a *Assigner) caughtUp(lagging map[string]uint64, deadline time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, rev := range lagging {
		if hb, live := a.edges[id]; live && hb.Epoch < rev && time.Now().Before(deadline) {
			return false
		}
	}
	return true
}

// add writes ids into edge to's assignment.
func (a *Assigner) add(ctx context.Context, kv jetstream.KeyValue, to string, ids []string, drone map[string]bool) error {
	a.mu.Lock()
	cur := a.assign[to].Assignment
	a.mu.Unlock()
	as := Assignment{Edge: to, Cameras: slices.Clone(cur.Cameras), Drones: slices.Clone(cur.Drones)}
	for _, id := range ids {
		if !as.has(id) {
			as.add(id, drone[id])
		}
	}
	if _, err := a.write(ctx, kv, as); err != nil {
		return err
	}
	a.moves.Add(uint64(len(ids)))
	return nil
}

// write stores an edge's assignment if the lease is still held and the
// key is at the revision this assigner last saw: a stale assigner's
// write fails in the engine.
func (a *Assigner) write(ctx context.Context, kv jetstream.KeyValue, as Assignment) (uint64, error) {
	a.mu.Lock()
	l, cur, known := a.lease, a.assign[as.Edge], false
	_, known = a.assign[as.Edge]
	a.mu.Unlock()
	if !l.valid() {
		return 0, ErrLeaseLost
	}
	slices.Sort(as.Cameras)
	slices.Sort(as.Drones)
	if as.Cameras == nil {
		as.Cameras = []string{}
	}
	if as.Drones == nil {
		as.Drones = []string{}
	}
	b, _ := json.Marshal(as)
	var rev uint64
	var err error
	if known {
		rev, err = kv.Update(ctx, as.Edge, b, cur.rev)
	} else {
		rev, err = kv.Create(ctx, as.Edge, b)
	}
	if err != nil {
		return 0, fmt.Errorf("edge %s: write assignment: %w", as.Edge, err)
	}
	a.mu.Lock()
	a.assign[as.Edge] = assigned{Assignment: as, rev: rev}
	a.mu.Unlock()
	a.log.Debug().Str("edge", as.Edge).Uint64("epoch", rev).Int("cameras", len(as.Cameras)).Msg("assignment written")
	return rev, nil
}

// add appends a camera or drone id.
func (as *Assignment) add(id string, drone bool) {
	if drone {
		as.Drones = append(as.Drones, id)
	} else {
		as.Cameras = append(as.Cameras, id)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
