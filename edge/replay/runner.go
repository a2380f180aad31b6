package replay

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/argus-edge/argus/drivers/bus"
)

// ErrBusy is wrapped by Start's refusal of a second replay: one runs at a
// time per edge, and a second is refused rather than queued (an operator
// sees at once that the edge is busy, and no queue of stale requests
// builds up behind a long replay).
var ErrBusy = errors.New("a replay is already running on this edge: one at a time")

// Runner runs an edge's replays, one at a time, each in a goroutine it
// owns until Close.
type Runner struct {
	o    Options
	m    *metrics
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu     sync.Mutex
	id     string // the running replay's, "" when none
	cancel context.CancelFunc
}

// NewRunner returns a runner with no replay. Its metrics
// (argus_replay_*) are a prometheus.Collector.
func NewRunner(o Options) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{m: newMetrics(), ctx: ctx, stop: cancel}
	report := o.Report
	o.Report = func(rep bus.ReplayReport) {
		r.m.observe(rep)
		if report != nil {
			report(rep)
		}
	}
	r.o = o
	return r
}

// Start begins an order in the background; its reports go to
// Options.Report. A bad order or a second replay is refused.
func (r *Runner) Start(order bus.ReplayOrder) error {
	if err := order.Validate(); err != nil {
		return fmt.Errorf("replay order: %w", err)
	}
	if _, err := Candidate(order); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		return errors.New("the edge is stopping")
	}
	if r.id != "" {
		return fmt.Errorf("%w (replay %s)", ErrBusy, r.id)
	}
	ctx, cancel := context.WithCancel(r.ctx)
	r.id, r.cancel = order.ID, cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		Replay(ctx, r.o, order)
		r.mu.Lock()
		r.id, r.cancel = "", nil
		r.mu.Unlock()
	}()
	return nil
}

// Cancel stops the running replay if it is id; false when it is not
// running.
func (r *Runner) Cancel(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.id != id || r.cancel == nil {
		return false
	}
	r.cancel()
	return true
}

// Running is the running replay's id, "" when none.
func (r *Runner) Running() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.id
}

// Close cancels the running replay and waits for it. Idempotent.
func (r *Runner) Close() {
	r.stop()
	r.wg.Wait()
}
