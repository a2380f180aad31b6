package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"
)

// Assigner timing defaults.
const (
	// LeaseTTL is how long the assigner lease lives unrenewed.
	LeaseTTL = 5 * time.Second
	// Debounce gathers the changes of one event (5 edges dying together)
	// into one placement.
	Debounce = 250 * time.Millisecond
	// ReleaseWait bounds how long a move between live edges waits for the
	// old edge to confirm it stopped the camera: longer than an edge's
	// fencing time, so an edge that cannot confirm has fenced itself.
	ReleaseWait = 10 * time.Second
)

// AssignerConfig names the gateway replica and its timing.
type AssignerConfig struct {
	Holder      string        // the replica's id, shown in the lease
	LeaseTTL    time.Duration // LeaseTTL if 0
	Debounce    time.Duration // Debounce if 0
	ReleaseWait time.Duration // ReleaseWait if 0
	Drones      []Unit        // drones to place beside the inventory's cameras
	Log         zerolog.Logger
}

// Assigner places the district's cameras on the live edges while it holds
// the assigner lease: one gateway replica at a time writes BucketAssign.
type Assigner struct {
	js      jetstream.JetStream
	cfg     AssignerConfig
	log     zerolog.Logger
	inc     string
	leading atomic.Bool
	rounds  atomic.Uint64
	moves   atomic.Uint64
	// timeouts counts moves made without the old edge's confirmation.
	timeouts atomic.Uint64
	// duplicates counts heartbeats showing two processes under one edge id.
	duplicates atomic.Uint64

	mu      sync.Mutex
	lease   *lease
	edges   map[string]Heartbeat
	before  map[string]string // edge → the incarnation it had before its current one
	cameras map[string]CameraSpec
	assign  map[string]assigned
	drained map[string]bool // edges an operator drained (BucketDrain)
	changed chan struct{}
}

// assigned is an edge's assignment and the revision it has.
type assigned struct {
	Assignment
	rev     uint64
	corrupt bool // the stored value is unreadable: rewrite it
}

// NewAssigner makes the assigner of gateway replica cfg.Holder.
func NewAssigner(js jetstream.JetStream, cfg AssignerConfig) *Assigner {
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = LeaseTTL
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = Debounce
	}
	if cfg.ReleaseWait == 0 {
		cfg.ReleaseWait = ReleaseWait
	}
	inc := NewIncarnation()
	return &Assigner{js: js, cfg: cfg, inc: inc,
		log: cfg.Log.With().Str("assigner", cfg.Holder).Str("incarnation", inc).Logger()}
}

// Duplicates counts the times two live processes were seen beating under
// one edge id (a misconfiguration: both may pull the edge's cameras).
func (a *Assigner) Duplicates() uint64 { return a.duplicates.Load() }

// Rounds counts the placements this assigner completed and wrote.
func (a *Assigner) Rounds() uint64 { return a.rounds.Load() }

// Leading tells whether this assigner holds the lease now.
func (a *Assigner) Leading() bool { return a.leading.Load() }

// Run campaigns for the lease and, while it holds it, keeps the
// assignment placed; it releases the lease and returns when ctx ends.
func (a *Assigner) Run(ctx context.Context) error {
	kvs, err := openBuckets(ctx, a.js, BucketLease)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("fleet assigner: %w", err)
	}
	l := &lease{js: a.js, kv: kvs[0], holder: a.cfg.Holder, inc: a.inc,
		ttl: a.cfg.LeaseTTL, validFor: a.cfg.LeaseTTL * 4 / 5}
	t := time.NewTicker(a.cfg.LeaseTTL / 5)
	defer t.Stop()
	for {
		actx, cancel := context.WithTimeout(ctx, a.cfg.LeaseTTL/5)
		err := l.acquire(actx)
		cancel()
		if err == nil {
			a.log.Info().Msg("lease acquired: assigning")
			err = a.lead(ctx, l)
			rctx, cancel := context.WithTimeout(context.Background(), time.Second)
			l.release(rctx)
			cancel()
			a.log.Info().AnErr("why", err).Msg("lease given up: not assigning")
		} else if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
			a.log.Warn().Err(err).Msg("lease")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// lead follows the buckets and places until the lease is lost or ctx ends.
func (a *Assigner) lead(ctx context.Context, l *lease) error {
	kvs, err := openBuckets(ctx, a.js, BucketEdges, BucketCameras, BucketAssign, BucketDrain)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.lease, a.edges, a.cameras, a.assign = l, map[string]Heartbeat{}, map[string]CameraSpec{}, map[string]assigned{}
	a.before, a.drained = map[string]string{}, map[string]bool{}
	a.changed = make(chan struct{}, 1)
	a.mu.Unlock()
	a.leading.Store(true)
	defer a.leading.Store(false)
	g, gctx := errgroup.WithContext(ctx)
	var synced sync.WaitGroup
	synced.Add(4)
	g.Go(func() error { return l.hold(gctx) })
	g.Go(func() error { return a.follow(gctx, kvs[0], &synced, a.onEdge) })
	g.Go(func() error { return a.follow(gctx, kvs[1], &synced, a.onCamera) })
	g.Go(func() error { return a.follow(gctx, kvs[2], &synced, a.onAssign) })
	g.Go(func() error { return a.follow(gctx, kvs[3], &synced, a.onDrain) })
	g.Go(func() error {
		synced.Wait()
		return a.place(gctx, kvs[2])
	})
	err = g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// follow feeds a bucket's entries to on; after the initial values (or on
// any early return) it marks synced. It returns when ctx ends, failing if
// the watch does.
func (a *Assigner) follow(ctx context.Context, kv jetstream.KeyValue, synced *sync.WaitGroup, on func(jetstream.KeyValueEntry)) error {
	done := false
	defer func() {
		if !done {
			synced.Done()
		}
	}()
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch %s: %w", kv.Bucket(), err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			switch {
			case !ok && ctx.Err() != nil:
				return nil
			case !ok:
				return fmt.Errorf("watch %s ended", kv.Bucket())
			case e == nil:
				if !done {
					done = true
					synced.Done()
				}
			default:
				on(e)
			}
		}
	}
}

func (a *Assigner) signal() {
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

// onEdge records a heartbeat; only an edge's arrival, departure or change
// of capacity or draining calls for a new placement.
func (a *Assigner) onEdge(e jetstream.KeyValueEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	old, had := a.edges[e.Key()]
	if e.Operation() != jetstream.KeyValuePut {
		delete(a.edges, e.Key())
		if had {
			a.log.Info().Str("edge", e.Key()).Msg("edge gone")
			a.signal()
		}
		return
	}
	var hb Heartbeat
	if err := json.Unmarshal(e.Value(), &hb); err != nil {
		a.log.Error().Err(err).Str("edge", e.Key()).Msg("heartbeat unreadable: ignored")
		return
	}
	hb.Edge = e.Key()
	if had && hb.Incarnation != old.Incarnation {
		// A restart changes the incarnation once; coming back to the one
		// before means two live processes beat under one edge id.
		if hb.Incarnation == a.before[e.Key()] {
			a.duplicates.Add(1)
			a.log.Error().Str("edge", e.Key()).Str("incarnations", old.Incarnation+","+hb.Incarnation).
				Msg("two processes run as one edge: both may pull its cameras")
		}
		a.before[e.Key()] = old.Incarnation
	}
	a.edges[e.Key()] = hb
	if !had || old.Capacity != hb.Capacity || old.Draining != hb.Draining {
		a.signal()
	}
}

// onCamera records an inventory entry.
func (a *Assigner) onCamera(e jetstream.KeyValueEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(a.cameras, e.Key())
		a.signal()
		return
	}
	var s CameraSpec
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		a.log.Error().Err(err).Str("camera", e.Key()).Msg("camera spec unreadable: ignored")
		return
	}
	s.ID = e.Key()
	old, had := a.cameras[s.ID]
	a.cameras[s.ID] = s
	if !had || old.Pin != s.Pin || old.Weight != s.Weight || old.Site != s.Site {
		a.signal()
	}
}

// onAssign records an assignment written by this or another assigner.
func (a *Assigner) onAssign(e jetstream.KeyValueEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cur, ok := a.assign[e.Key()]; ok && cur.rev >= e.Revision() {
		return // our own write, already recorded
	}
	var as Assignment
	corrupt := false
	if e.Operation() == jetstream.KeyValuePut {
		if err := json.Unmarshal(e.Value(), &as); err != nil {
			// The edge keeps what it applied last; so does the assigner,
			// and it writes that back over the garbage.
			a.log.Error().Err(err).Str("edge", e.Key()).Msg("assignment unreadable: rewritten from the last known one")
			as, corrupt = a.assign[e.Key()].Assignment, true
		}
	}
	a.assign[e.Key()] = assigned{Assignment: as, rev: e.Revision(), corrupt: corrupt}
	a.signal()
}
