package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/bus"
)

// ErrLeaseLost is returned when the assigner lease was taken over or could
// not be renewed in time.
var ErrLeaseLost = errors.New("fleet: assigner lease lost")

// lease is one holder's claim on LeaseKey. The key is created only if
// absent, with a per-key TTL, and renewed by a publish that expects the
// key's last revision (kv.Update carries no TTL). The holder trusts its
// claim until validFor after the send of its last acknowledged renewal:
// the server, which received that renewal later, expires the key no
// sooner than ttl after it, and validFor < ttl leaves margin for clocks
// that run at slightly different rates.
type lease struct {
	js       jetstream.JetStream
	kv       jetstream.KeyValue
	holder   string
	inc      string
	ttl      time.Duration
	validFor time.Duration

	mu    sync.Mutex
	rev   uint64
	until time.Time
}

func (l *lease) value() []byte {
	b, _ := json.Marshal(Lease{Holder: l.holder, Incarnation: l.inc, Time: bus.Now()})
	return b
}

// acquire creates the key; it fails with jetstream.ErrKeyExists while
// another holder has it.
func (l *lease) acquire(ctx context.Context) error {
	sent := time.Now()
	rev, err := l.kv.Create(ctx, LeaseKey, l.value(), jetstream.KeyTTL(l.ttl))
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.rev, l.until = rev, sent.Add(l.validFor)
	l.mu.Unlock()
	return nil
}

// renew extends the lease; ErrLeaseLost when the key changed under it.
func (l *lease) renew(ctx context.Context) error {
	l.mu.Lock()
	rev := l.rev
	l.mu.Unlock()
	sent := time.Now()
	ack, err := l.js.Publish(ctx, "$KV."+BucketLease+"."+LeaseKey, l.value(),
		jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithMsgTTL(l.ttl))
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return fmt.Errorf("%w: revision %d is gone", ErrLeaseLost, rev)
	}
	if err != nil {
		return fmt.Errorf("renew lease: %w", err)
	}
	l.mu.Lock()
	l.rev, l.until = ack.Sequence, sent.Add(l.validFor)
	l.mu.Unlock()
	return nil
}

// valid tells whether the holder may still write.
func (l *lease) valid() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().Before(l.until)
}

// release deletes the key if it is still this holder's, so a successor
// need not wait for the TTL.
func (l *lease) release(ctx context.Context) {
	l.mu.Lock()
	rev := l.rev
	l.until = time.Time{}
	l.mu.Unlock()
	l.kv.Delete(ctx, LeaseKey, jetstream.LastRevision(rev))
}

// hold renews the lease every ttl/5 until ctx ends or it is lost.
func (l *lease) hold(ctx context.Context) error {
	t := time.NewTicker(l.ttl / 5)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, l.ttl/5)
		err := l.renew(rctx)
		cancel()
		if errors.Is(err, ErrLeaseLost) {
			return err
		}
		if !l.valid() {
			return fmt.Errorf("%w: not renewed in time (%v)", ErrLeaseLost, err)
		}
	}
}
