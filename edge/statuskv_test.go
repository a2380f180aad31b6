package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// While a write is under way, later statuses of one camera replace each
// other: only the latest is written next. A failed write is counted and
// dropped, not retried.
func TestStatusKVWritesTheLatestPerCamera(t *testing.T) {
	var mu sync.Mutex
	var wrote []string
	gate := make(chan struct{})
	fail := false
	s := newStatusKV(func(_ context.Context, st bus.CameraStatus) error {
		<-gate
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return errors.New("simulated: backbone unreachable")
		}
		wrote = append(wrote, st.Camera+"/"+st.State)
		return nil
	}, zerolog.Nop())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.run(ctx) }()
	defer func() { cancel(); close(gate); <-done }()

	s.set(bus.CameraStatus{Camera: "c1", State: bus.Connecting})
	peers.Await(t, 5*time.Second, "the first status taken", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.pending) == 0 }) // its write waits at the gate
	s.set(bus.CameraStatus{Camera: "c1", State: bus.Online})
	s.set(bus.CameraStatus{Camera: "c1", State: bus.Offline})
	gate <- struct{}{} // the first write
	gate <- struct{}{} // the latest of the two that waited
	peers.Await(t, 5*time.Second, "two statuses written", func() bool { mu.Lock(); defer mu.Unlock(); return len(wrote) == 2 })
	mu.Lock()
	if wrote[0] != "c1/connecting" || wrote[1] != "c1/offline" {
		t.Fatalf("wrote %v, want c1/connecting then c1/offline", wrote)
	}
	fail = true
	mu.Unlock()
	s.set(bus.CameraStatus{Camera: "c2", State: bus.Online})
	gate <- struct{}{}
	peers.Await(t, 5*time.Second, "the failed write counted", func() bool { return testutil.ToFloat64(s.failed) == 1 })
	if got := testutil.ToFloat64(s.written); got != 2 {
		t.Fatalf("%g written, want 2", got)
	}
}
