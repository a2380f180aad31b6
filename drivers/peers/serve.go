package peers

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Serve runs fn (a service's Run) until the test ends, failing the test
// on its error, and returns once ready is closed (at most 10 s).
func Serve(t testing.TB, fn func(context.Context) error, ready <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := fn(ctx); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("not ready within 10s")
	}
}
