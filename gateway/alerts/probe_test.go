package alerts

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// probe wraps the store under test (the real SQLite store): it fails the
// next failPuts PutAnomaly calls (a SIMULATED failure) and reports each Prune.
type probe struct {
	store.Store
	mu       sync.Mutex
	failPuts int
	failed   chan struct{} // one per simulated failure
	prunes   chan store.Retention
	gate     chan struct{} // when set, batches wait until it is closed
}

var errSimulated = errors.New("simulated store failure")

// newStore is the store the tests use, behind a probe: the real SQLite
// store in a file of the test's temporary directory.
func newStore(t testing.TB) *probe {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "argus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &probe{Store: st, failed: make(chan struct{}, 64), prunes: make(chan store.Retention, 16)}
}

// failNext makes the next n PutAnomaly calls fail.
func (p *probe) failNext(n int) {
	p.mu.Lock()
	p.failPuts = n
	p.mu.Unlock()
}

func (p *probe) PutAnomalies(ctx context.Context, events []bus.Anomaly) ([]store.AnomalyResult, error) {
	p.mu.Lock()
	gate := p.gate
	p.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if p.fail() {
		return nil, errSimulated
	}
	return p.Store.PutAnomalies(ctx, events)
}

func (p *probe) PutAnomaly(ctx context.Context, a bus.Anomaly) (store.Anomaly, bool, bool, error) {
	if p.fail() {
		return store.Anomaly{}, false, false, errSimulated
	}
	return p.Store.PutAnomaly(ctx, a)
}

// fail tells whether to fail this write, counting it down.
func (p *probe) fail() bool {
	p.mu.Lock()
	fail := p.failPuts > 0
	if fail {
		p.failPuts--
	}
	p.mu.Unlock()
	if fail {
		select {
		case p.failed <- struct{}{}:
		default:
		}
	}
	return fail
}

func (p *probe) Prune(ctx context.Context, r store.Retention, now time.Time) (store.Pruned, error) {
	pr, err := p.Store.Prune(ctx, r, now)
	p.prunes <- r
	return pr, err
}
