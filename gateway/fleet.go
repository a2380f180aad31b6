package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/fleet"
	"github.com/argus-edge/argus/gateway/api"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/store"
)

// fleetSide is the gateway's part of the fleet, over its nats.go
// connection: it creates the buckets, runs the assigner (its lease makes
// one gateway replica at a time the writer), writes the inventory into
// argus-cameras, rebuilds the camera statuses from argus-status into the
// directory, follows the heartbeats, assignments and drains for the API,
// and filters out a stale owner's statuses and anomalies.
type fleetSide struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	replicas int
	store    store.Store
	dir      *directory.Directory
	assigner *fleet.Assigner
	filter   *fleet.Filter
	log      zerolog.Logger

	maxRev      atomic.Uint64 // the newest argus-assign revision seen
	filterReady chan struct{} // closed once the filter read every assignment
	statusReady chan struct{} // closed once every stored status was read
	readyOnce   sync.Once
	statusOnce  sync.Once
	inventory   atomic.Int64 // the store revision argus-cameras has caught up with

	mu       sync.RWMutex
	beats    map[string]fleet.Heartbeat // live edges
	assigned map[string]assignedTo      // by edge
	drained  map[string]bool            // edges an operator drained
	pending  map[string]bus.CameraStatus
}

// assignedTo is an edge's assignment as the API counts it.
type assignedTo struct {
	units int
	epoch uint64
}

// newFleet sets up the fleet's side on nc; nothing runs until Run.
// replicas is the buckets' (1 on the embedded node, 3 on a cluster);
// drones are placed beside the inventory's cameras, each on its pin.
func newFleet(nc *nats.Conn, replicas int, holder string, drones []fleet.Unit, st store.Store, dir *directory.Directory, log zerolog.Logger) (*fleetSide, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	log = log.With().Str("component", "fleet").Logger()
	return &fleetSide{nc: nc, js: js, replicas: replicas, store: st, dir: dir, log: log,
		assigner: fleet.NewAssigner(js, fleet.AssignerConfig{Holder: holder, Drones: drones, Log: log}),
		filter:   fleet.NewFilter(), filterReady: make(chan struct{}), statusReady: make(chan struct{}),
		beats: map[string]fleet.Heartbeat{}, assigned: map[string]assignedTo{},
		drained: map[string]bool{}, pending: map[string]bus.CameraStatus{}}, nil
}

// Run creates the buckets (waiting for the backbone), then runs every part
// until ctx ends.
func (f *fleetSide) Run(ctx context.Context) error {
	if err := f.buckets(ctx); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return f.assigner.Run(ctx) })
	g.Go(func() error { return f.follow(ctx, fleet.BucketAssign, f.onAssign, f.markFilterReady) })
	g.Go(func() error { return f.follow(ctx, fleet.BucketEdges, f.onBeat, nil) })
	g.Go(func() error { return f.follow(ctx, fleet.BucketDrain, f.onDrain, nil) })
	g.Go(func() error { return f.syncInventory(ctx) })
	g.Go(func() error {
		select { // a status is judged against the assignments: read them first
		case <-f.filterReady:
		case <-ctx.Done():
			return nil
		}
		return f.follow(ctx, fleet.BucketStatus, f.onStatus, f.markStatusReady)
	})
	err := g.Wait()
	f.nc.Close()
	return err
}

// buckets creates the fleet's buckets, trying again every 2 s while the
// backbone does not answer (a cluster starting beside the gateway).
func (f *fleetSide) buckets(ctx context.Context) error {
	for {
		bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := fleet.Buckets(bctx, f.js, f.replicas)
		cancel()
		if err == nil {
			f.log.Info().Int("replicas", f.replicas).Msg("fleet buckets ready")
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		f.log.Warn().Err(err).Msg("fleet buckets: backbone not ready; trying again")
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
}

// follow feeds every entry of a bucket to on (the current values, then
// the changes), calling synced once after the current values; a watch
// that ends (the backbone lost for long) is started again.
func (f *fleetSide) follow(ctx context.Context, bucket string, on func(jetstream.KeyValueEntry), synced func()) error {
	for ctx.Err() == nil {
		err := f.watch(ctx, bucket, on, synced)
		if ctx.Err() != nil {
			return nil
		}
		f.log.Warn().Err(err).Str("bucket", bucket).Msg("watch ended; watching again")
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}

func (f *fleetSide) watch(ctx context.Context, bucket string, on func(jetstream.KeyValueEntry), synced func()) error {
	kv, err := f.js.KeyValue(ctx, bucket)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", bucket, err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch %s: %w", bucket, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return errors.New("watch closed")
			case e == nil:
				if synced != nil {
					synced()
				}
			default:
				on(e)
			}
		}
	}
}

func (f *fleetSide) markFilterReady() { f.readyOnce.Do(func() { close(f.filterReady) }) }
func (f *fleetSide) markStatusReady() {
	f.statusOnce.Do(func() {
		close(f.statusReady)
		f.log.Info().Int("cameras", f.dir.Len()).Msg("camera statuses read from " + fleet.BucketStatus)
	})
}

// onAssign feeds the filter and the counts, then tries again the statuses
// the filter refused for the cameras the edge now holds (a status can
// overtake, in the gateway's watches, the assignment it was made under).
func (f *fleetSide) onAssign(e jetstream.KeyValueEntry) {
	var as fleet.Assignment
	if e.Operation() == jetstream.KeyValuePut {
		// A corrupt value counts as empty: nobody's messages pass rather
		// than a stale owner's (the assigner rewrites it).
		json.Unmarshal(e.Value(), &as)
	}
	f.filter.Observe(e.Key(), e.Revision(), as)
	if e.Revision() > f.maxRev.Load() {
		f.maxRev.Store(e.Revision())
	}
	f.mu.Lock()
	if n := len(as.Cameras) + len(as.Drones); n > 0 || e.Operation() == jetstream.KeyValuePut {
		f.assigned[e.Key()] = assignedTo{units: n, epoch: e.Revision()}
	} else {
		delete(f.assigned, e.Key())
	}
	var retry []bus.CameraStatus
	for _, id := range as.Cameras {
		if cs, ok := f.pending[id]; ok && cs.Edge == e.Key() {
			retry = append(retry, cs)
			delete(f.pending, id)
		}
	}
	f.mu.Unlock()
	for _, cs := range retry {
		f.putStatus(cs)
	}
}

// onBeat records an edge's heartbeat; its expiry (a purge) or withdrawal
// (a delete) means the edge is gone.
func (f *fleetSide) onBeat(e jetstream.KeyValueEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(f.beats, e.Key())
		return
	}
	var hb fleet.Heartbeat
	if err := json.Unmarshal(e.Value(), &hb); err != nil {
		f.log.Warn().Err(err).Str("edge", e.Key()).Msg("heartbeat unreadable: ignored")
		return
	}
	f.beats[e.Key()] = hb
}

// onDrain records an operator's drain.
func (f *fleetSide) onDrain(e jetstream.KeyValueEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e.Operation() == jetstream.KeyValuePut {
		f.drained[e.Key()] = true
	} else {
		delete(f.drained, e.Key())
	}
}

// accept tells whether a message about camera from edge, stamped with
// owner, may be taken: one without an epoch (a standalone edge) always;
// else the filter's verdict, or an epoch newer than any assignment the
// gateway has seen (its watch lags behind the edge's).
func (f *fleetSide) accept(camera, edge string, owner bus.Owner) bool {
	if owner.Epoch == 0 {
		return true
	}
	return f.filter.Accept(camera, edge, owner) || owner.Epoch > f.maxRev.Load()
}

// acceptStatus is accept for the directory.
func (f *fleetSide) acceptStatus(cs bus.CameraStatus) bool {
	return f.accept(cs.Camera, cs.Edge, cs.Owner)
}

// acceptAnomaly is accept for the alerts.
func (f *fleetSide) acceptAnomaly(an bus.Anomaly) bool { return f.accept(an.Camera, an.Edge, an.Owner) }

// Capacity is an edge's declared capacity, from its heartbeat (api.Capacity).
func (f *fleetSide) Capacity(edge string) (float64, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	hb, ok := f.beats[edge]
	return hb.Capacity, ok
}

// FleetEdge is what the fleet knows of an edge (api.Fleet).
func (f *fleetSide) FleetEdge(edge string) (api.FleetEdge, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	hb, live := f.beats[edge]
	as, assigned := f.assigned[edge]
	drained := f.drained[edge]
	if !live && !assigned && !drained {
		return api.FleetEdge{}, false
	}
	return api.FleetEdge{Live: live, Capacity: hb.Capacity, Load: hb.Load, Draining: hb.Draining,
		Drained: drained, Assigned: as.units, Epoch: as.epoch}, true
}

// FleetEdges lists the edges with a heartbeat, an assignment or a drain (api.Fleet).
func (f *fleetSide) FleetEdges() []string {
	f.mu.RLock()
	set := map[string]bool{}
	for id := range f.beats {
		set[id] = true
	}
	for id := range f.assigned {
		set[id] = true
	}
	for id := range f.drained {
		set[id] = true
	}
	f.mu.RUnlock()
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Drain asks the assigner to move every camera off edge (api.Fleet).
func (f *fleetSide) Drain(ctx context.Context, edge, by string) error {
	if err := fleet.SetDrain(ctx, f.js, edge, by); err != nil {
		return err
	}
	f.log.Info().Str("edge", edge).Str("by", by).Msg("edge drained")
	return nil
}

// Undrain lets edge take cameras again (api.Fleet).
func (f *fleetSide) Undrain(ctx context.Context, edge string) error {
	if err := fleet.ClearDrain(ctx, f.js, edge); err != nil {
		return err
	}
	f.log.Info().Str("edge", edge).Msg("edge undrained")
	return nil
}
