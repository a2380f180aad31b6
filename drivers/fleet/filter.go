package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/bus"
)

// Filter tells the gateway whether a status or anomaly comes from the
// current owner of its camera (or drone): the edge that holds it in
// BucketAssign, under an epoch no older than the revision at which it got
// it. A message from a previous owner, or from an earlier ownership of the
// same edge, is stale and dropped. The zero Filter is not usable; use
// NewFilter. It is safe for concurrent use.
type Filter struct {
	mu     sync.RWMutex
	owner  map[string]ownership // unit id → current owner
	byEdge map[string][]string  // edge → unit ids of its last assignment
}

// ownership is an edge's hold on a unit since an epoch.
type ownership struct {
	edge  string
	since uint64
}

// NewFilter is a filter that knows no assignment yet: it accepts nothing.
func NewFilter() *Filter {
	return &Filter{owner: map[string]ownership{}, byEdge: map[string][]string{}}
}

// Observe records edge's assignment at revision rev (an empty Assignment
// for a deleted key). Assignments must be observed in revision order, as
// one watch of BucketAssign delivers them.
func (f *Filter) Observe(edge string, rev uint64, as Assignment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := append(append([]string{}, as.Cameras...), as.Drones...)
	now := make(map[string]bool, len(ids))
	for _, id := range ids {
		now[id] = true
		if o, ok := f.owner[id]; !ok || o.edge != edge {
			f.owner[id] = ownership{edge: edge, since: rev}
		}
	}
	for _, id := range f.byEdge[edge] {
		if !now[id] && f.owner[id].edge == edge {
			delete(f.owner, id)
		}
	}
	f.byEdge[edge] = ids
}

// Accept tells whether a message about unit id from edge, stamped with
// owner, comes from the unit's current owner.
func (f *Filter) Accept(id, edge string, owner bus.Owner) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	o, ok := f.owner[id]
	return ok && o.edge == edge && owner.Epoch >= o.since
}

// Owner is the edge that owns unit id and the epoch since which it does.
func (f *Filter) Owner(id string) (edge string, since uint64, ok bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	o, ok := f.owner[id]
	return o.edge, o.since, ok
}

// Run keeps the filter up to date from BucketAssign until ctx ends.
func (f *Filter) Run(ctx context.Context, js jetstream.JetStream) error {
	kv, err := js.KeyValue(ctx, BucketAssign)
	if err != nil {
		return fmt.Errorf("fleet filter: bucket %s: %w", BucketAssign, err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("fleet filter: watch: %w", err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("fleet filter: watch of %s ended", BucketAssign)
			}
			if e == nil {
				continue
			}
			var as Assignment
			if e.Operation() == jetstream.KeyValuePut {
				// A corrupt value counts as empty: nobody's messages pass
				// rather than a stale owner's.
				json.Unmarshal(e.Value(), &as)
			}
			f.Observe(e.Key(), e.Revision(), as)
		}
	}
}
