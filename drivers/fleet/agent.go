package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/argus-edge/argus/drivers/bus"
)

// Agent timing defaults. The fencing arithmetic: an edge fences FenceAfter
// after sending its last heartbeat that the backbone acknowledged. That
// heartbeat reached the server after it was sent, so the server expires
// the edge's key no sooner than HeartbeatTTL after the send; the assigner
// then needs its debounce and a write before another edge may pull the
// camera. With FenceAfter (2 s) < HeartbeatTTL (3 s) the edge has stopped
// its pulls at least 1 s, plus the assigner's reaction, before any other
// edge is told to start them.
const (
	// HeartbeatTTL is how long an edge's heartbeat key lives unrenewed.
	HeartbeatTTL = 3 * time.Second
	// HeartbeatEvery is the heartbeat period.
	HeartbeatEvery = time.Second
	// FenceAfter is the fencing time: no acknowledged heartbeat sent
	// within it, and the edge stops every pull.
	FenceAfter = 2 * time.Second
	// RejoinHoldOff is how long a fenced edge keeps beating before it reads
	// its assignment again: time for the assigner to finish taking its
	// cameras away if it had declared it dead.
	RejoinHoldOff = time.Second
)

// Work is what an edge must pull now. The edge's apply function must have
// stopped every camera and drone absent from it when it returns (starting
// new ones may go on asynchronously).
type Work struct {
	Epoch   uint64       // the revision of the edge's assignment
	Cameras []CameraSpec // in assignment order; ids missing from the inventory are left out
	Drones  []string
	Fenced  bool // cut off from the backbone: stop everything
}

// AgentConfig is the identity and timing of a fleet-mode edge.
type AgentConfig struct {
	Edge     string
	Capacity float64
	Sites    []string
	Version  string
	TTL      time.Duration // heartbeat TTL; HeartbeatTTL if 0
	Every    time.Duration // heartbeat period; HeartbeatEvery if 0
	Fence    time.Duration // fencing time, < TTL; FenceAfter if 0
	HoldOff  time.Duration // RejoinHoldOff if 0
	Log      zerolog.Logger
}

// Agent is the edge's side of the fleet: it heartbeats into BucketEdges,
// follows its key in BucketAssign, hands the edge its Work and fences the
// edge when it cannot reach the backbone.
type Agent struct {
	js    jetstream.JetStream
	cfg   AgentConfig
	apply func(Work)
	inc   string
	log   zerolog.Logger

	applyMu  sync.Mutex // held while apply runs: applies never overlap
	mu       sync.Mutex
	lastOK   time.Time // send time of the last acknowledged heartbeat
	firstOK  time.Time // the first acknowledged one since fencing
	applied  uint64    // epoch of the last Work applied
	draining bool
	load     float64
	// fenced: every pull stopped, until a rejoin; fences and beatErrors count.
	fenced     bool
	fences     uint64
	beatErrors uint64
	specs      map[string]CameraSpec

	status jetstream.KeyValue
}

// NewAgent makes the agent of edge cfg.Edge; apply receives every Work,
// one at a time, from Run's goroutine.
func NewAgent(js jetstream.JetStream, cfg AgentConfig, apply func(Work)) (*Agent, error) {
	if cfg.Edge == "" {
		return nil, errors.New("fleet agent: no edge id")
	}
	if cfg.TTL == 0 {
		cfg.TTL = HeartbeatTTL
	}
	if cfg.Every == 0 {
		cfg.Every = HeartbeatEvery
	}
	if cfg.Fence == 0 {
		cfg.Fence = FenceAfter
	}
	if cfg.HoldOff == 0 {
		cfg.HoldOff = RejoinHoldOff
	}
	if cfg.Fence >= cfg.TTL || cfg.Every >= cfg.Fence {
		return nil, fmt.Errorf("fleet agent %s: need heartbeat every %s < fence %s < TTL %s", cfg.Edge, cfg.Every, cfg.Fence, cfg.TTL)
	}
	inc := NewIncarnation()
	return &Agent{js: js, cfg: cfg, apply: apply, inc: inc, specs: map[string]CameraSpec{}, fenced: true,
		log: cfg.Log.With().Str("edge", cfg.Edge).Str("incarnation", inc).Logger()}, nil
}

// Incarnation is this process's random id, sent in heartbeats and owners.
func (a *Agent) Incarnation() string { return a.inc }

// SetDraining asks the assigner to move every camera off this edge.
func (a *Agent) SetDraining(d bool) { a.mu.Lock(); a.draining = d; a.mu.Unlock() }

// SetLoad reports the edge's CPU load (1.0 = one core) in heartbeats.
func (a *Agent) SetLoad(l float64) { a.mu.Lock(); a.load = l; a.mu.Unlock() }

// Owner is what the edge's statuses and anomalies carry: the epoch of the
// assignment it applies and its incarnation.
func (a *Agent) Owner() bus.Owner {
	a.mu.Lock()
	defer a.mu.Unlock()
	return bus.Owner{Epoch: a.applied, Incarnation: a.inc}
}

// PutStatus stores a camera's latest status in BucketStatus, stamped with
// this edge and, unless st carries an epoch already, its Owner: the edge
// stamps a status with the epoch of the Work being applied, which Owner
// reports only once apply has returned. It fails before Run has opened
// the buckets.
func (a *Agent) PutStatus(ctx context.Context, st bus.CameraStatus) error {
	a.mu.Lock()
	kv := a.status
	a.mu.Unlock()
	if kv == nil {
		return errors.New("fleet agent: status before Run")
	}
	st.Edge = a.cfg.Edge
	if st.Owner.Epoch == 0 {
		st.Owner = a.Owner()
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if _, err := kv.Put(ctx, st.Camera, b); err != nil {
		return fmt.Errorf("camera %s: status: %w", st.Camera, err)
	}
	return nil
}

// Run heartbeats, follows the assignment and fences until ctx ends; then
// it tells the edge to stop everything (a fenced Work) and withdraws the
// heartbeat.
func (a *Agent) Run(ctx context.Context) error {
	kvs, err := openBuckets(ctx, a.js, BucketEdges, BucketAssign, BucketCameras, BucketStatus)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("fleet agent %s: %w", a.cfg.Edge, err)
	}
	a.mu.Lock()
	a.status = kvs[3]
	a.mu.Unlock()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.beat(gctx) })
	g.Go(func() error { return a.watchdog(gctx) })
	g.Go(func() error { return a.follow(gctx, kvs[1], kvs[2]) })
	err = g.Wait()
	a.leave(kvs[0])
	return err
}

// leave stops every pull, then deletes the heartbeat so the assigner
// moves the edge's cameras at once rather than after the TTL.
func (a *Agent) leave(edges jetstream.KeyValue) {
	a.applyMu.Lock()
	a.mu.Lock()
	a.fenced = true
	a.mu.Unlock()
	a.apply(Work{Fenced: true})
	a.applyMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Every)
	defer cancel()
	if err := edges.Delete(ctx, a.cfg.Edge); err != nil {
		a.log.Info().Err(err).Msg("heartbeat not withdrawn: it expires with its TTL")
	}
}

// openBuckets binds to existing buckets, in order.
func openBuckets(ctx context.Context, js jetstream.JetStream, names ...string) ([]jetstream.KeyValue, error) {
	var kvs []jetstream.KeyValue
	for _, n := range names {
		kv, err := js.KeyValue(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("bucket %s: %w", n, err)
		}
		kvs = append(kvs, kv)
	}
	return kvs, nil
}

// beat publishes the heartbeat with its TTL every period; a heartbeat is
// a publish to the key's subject because kv.Put carries no TTL.
func (a *Agent) beat(ctx context.Context) error {
	subject := "$KV." + BucketEdges + "." + a.cfg.Edge
	t := time.NewTicker(a.cfg.Every)
	defer t.Stop()
	for {
		a.mu.Lock()
		hb := Heartbeat{Edge: a.cfg.Edge, Capacity: a.cfg.Capacity, Sites: a.cfg.Sites,
			Incarnation: a.inc, Draining: a.draining, Load: a.load, Version: a.cfg.Version,
			Time: bus.Now(), Epoch: a.applied}
		a.mu.Unlock()
		b, _ := json.Marshal(hb)
		sent := time.Now()
		pctx, cancel := context.WithTimeout(ctx, a.cfg.Every)
		_, err := a.js.Publish(pctx, subject, b, jetstream.WithMsgTTL(a.cfg.TTL))
		cancel()
		if err == nil {
			a.mu.Lock()
			if a.firstOK.IsZero() {
				a.firstOK = sent
			}
			a.lastOK = sent
			a.mu.Unlock()
		} else if ctx.Err() == nil {
			a.mu.Lock()
			a.beatErrors++
			a.mu.Unlock()
			a.log.Warn().Err(err).Msg("heartbeat failed")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// watchdog fences the edge when no heartbeat sent within the fencing time
// was acknowledged. It runs apart from follow, so nothing follow waits
// for (a read, a watch) can delay it.
func (a *Agent) watchdog(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		a.mu.Lock()
		since, fenced := time.Since(a.lastOK), a.fenced
		a.mu.Unlock()
		if !fenced && since > a.cfg.Fence {
			a.fence(since)
		}
	}
}

// fence stops every pull, unless the edge is fenced already.
func (a *Agent) fence(since time.Duration) {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	a.mu.Lock()
	if a.fenced {
		a.mu.Unlock()
		return
	}
	a.fenced, a.firstOK = true, time.Time{}
	a.fences++
	a.mu.Unlock()
	a.log.Warn().Dur("since_heartbeat", since).Msg("backbone unreachable: fenced, every pull stopped")
	a.apply(Work{Fenced: true})
}

// follow applies the edge's assignment as it changes; once a fenced edge
// has beaten again for the hold-off, it reads the assignment afresh and
// lifts the fence.
func (a *Agent) follow(ctx context.Context, assign, cameras jetstream.KeyValue) error {
	check := time.NewTicker(50 * time.Millisecond)
	defer check.Stop()
	var w jetstream.KeyWatcher
	defer func() {
		if w != nil {
			w.Stop()
		}
	}()
	var updates <-chan jetstream.KeyValueEntry
	var reread time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-updates:
			if !ok {
				w, updates = nil, nil // the watcher ended; the next check restarts it
				continue
			}
			if e != nil {
				a.applyEntry(ctx, e, cameras, false)
			}
		case <-check.C:
			now := time.Now()
			a.mu.Lock()
			lastOK, firstOK, fenced := a.lastOK, a.firstOK, a.fenced
			a.mu.Unlock()
			if fenced {
				if !firstOK.IsZero() && lastOK.Sub(firstOK) >= a.cfg.HoldOff && now.Sub(lastOK) < a.cfg.Fence {
					if err := a.rejoin(ctx, assign, cameras, true); err != nil {
						a.log.Warn().Err(err).Msg("rejoin")
					}
					reread = now
				}
				continue
			}
			if updates == nil {
				var err error
				if w, err = assign.Watch(ctx, a.cfg.Edge, jetstream.UpdatesOnly()); err != nil {
					a.log.Warn().Err(err).Msg("watch assignment")
					continue
				}
				updates = w.Updates()
				reread = time.Time{} // read once more: a change may have come before the watch
			}
			// A watcher can stall across a node's failure: read the key
			// now and then as well.
			if now.Sub(reread) > 5*a.cfg.Every {
				if err := a.rejoin(ctx, assign, cameras, false); err == nil {
					reread = now
				}
			}
		}
	}
}

// rejoin reads the edge's assignment afresh and applies it if it is newer
// than the one applied; with unfence it applies it in any case and lifts
// the fence.
func (a *Agent) rejoin(ctx context.Context, assign, cameras jetstream.KeyValue, unfence bool) error {
	rctx, cancel := context.WithTimeout(ctx, a.cfg.Fence)
	defer cancel()
	e, err := assign.Get(rctx, a.cfg.Edge)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		a.applyWork(Work{}, unfence)
		return nil
	case err != nil:
		return fmt.Errorf("read assignment: %w", err)
	}
	a.applyEntry(rctx, e, cameras, unfence)
	return nil
}

// applyEntry turns an assignment entry into Work, reading new cameras'
// specs, and applies it if it is newer than what was applied (with
// unfence, if it is not older).
func (a *Agent) applyEntry(ctx context.Context, e jetstream.KeyValueEntry, cameras jetstream.KeyValue, unfence bool) {
	a.mu.Lock()
	old := e.Revision() < a.applied || (!unfence && e.Revision() == a.applied)
	a.mu.Unlock()
	if old {
		return
	}
	var as Assignment
	if e.Operation() == jetstream.KeyValuePut {
		if err := json.Unmarshal(e.Value(), &as); err != nil {
			a.log.Error().Err(err).Uint64("epoch", e.Revision()).Msg("assignment unreadable: kept the previous one")
			return
		}
	}
	w := Work{Epoch: e.Revision(), Drones: as.Drones}
	for _, spec := range a.specsOf(ctx, as.Cameras, cameras) {
		w.Cameras = append(w.Cameras, spec)
	}
	a.applyWork(w, unfence)
}

// applyWork hands w to the edge unless the edge is fenced, or its last
// acknowledged heartbeat is older than the fencing time; unfence lifts
// the fence first. Applies never overlap.
func (a *Agent) applyWork(w Work, unfence bool) {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	a.mu.Lock()
	stale := time.Since(a.lastOK) > a.cfg.Fence
	if stale || (a.fenced && !unfence) {
		a.mu.Unlock()
		return
	}
	a.fenced = false
	a.mu.Unlock()
	a.apply(w)
	a.mu.Lock()
	if w.Epoch > a.applied {
		a.applied = w.Epoch
	}
	a.mu.Unlock()
	a.log.Info().Uint64("epoch", w.Epoch).Int("cameras", len(w.Cameras)).Int("drones", len(w.Drones)).Msg("assignment applied")
}

// specsOf returns the specs of ids, reading the ones not seen yet (eight
// at a time) from the inventory; an id missing there is logged and left out.
func (a *Agent) specsOf(ctx context.Context, ids []string, cameras jetstream.KeyValue) []CameraSpec {
	var missing []string
	a.mu.Lock()
	for _, id := range ids {
		if _, ok := a.specs[id]; !ok {
			missing = append(missing, id)
		}
	}
	a.mu.Unlock()
	var g errgroup.Group
	g.SetLimit(8)
	for _, id := range missing {
		g.Go(func() error {
			e, err := cameras.Get(ctx, id)
			var s CameraSpec
			if err == nil {
				err = json.Unmarshal(e.Value(), &s)
			}
			if err != nil {
				a.log.Error().Err(err).Str("camera", id).Msg("camera spec unreadable: not pulled")
				return nil
			}
			a.mu.Lock()
			a.specs[id] = s
			a.mu.Unlock()
			return nil
		})
	}
	g.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []CameraSpec
	keep := make(map[string]CameraSpec, len(ids))
	for _, id := range ids {
		if s, ok := a.specs[id]; ok {
			out = append(out, s)
			keep[id] = s
		}
	}
	// Specs are read again when a camera comes back: an edit in the
	// inventory reaches the edge with the camera's next assignment.
	a.specs = keep
	return out
}
