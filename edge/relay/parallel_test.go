package relay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/edge/hub"
)

// TestStartsRunSideBySide opens a wall's worth of relays at once: each
// start waits for its camera's first keyframe (the cameras here send
// nothing: configured hub streams with no pull behind them), and all of
// them must be waiting together, not one after another. Close then ends
// every start under way. No gateway is involved: no start gets that far.
func TestStartsRunSideBySide(t *testing.T) {
	const wall = 16
	h := hub.New(hub.Options{})
	o := testOptions(t, "http://127.0.0.1:1", h)
	o.KeyframeTimeout = time.Minute
	m := NewManager(o)
	var streams []*hub.Stream
	for i := range wall {
		streams = append(streams, h.Open(fmt.Sprintf("cam%d", i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, wall)
	for i := range wall {
		wg.Go(func() { errs <- m.Start(fmt.Sprintf("cam%d", i)) })
	}
	waiting := 0
	if !peers.Eventually(10*time.Second, func() bool { // polling the hub's readers
		waiting = 0
		for _, st := range streams {
			waiting += len(st.Readers())
		}
		return waiting >= wall
	}) {
		t.Fatalf("%d of %d starts waiting for their keyframe at once, want all", waiting, wall)
	}
	m.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err == nil || !(errors.Is(err, errClosed) || errors.Is(err, context.Canceled)) {
			t.Errorf("start ended with %v, want the manager's close", err)
		}
	}
}

// TestSecondStartWaitsForTheFirst starts the same relay twice at once: the
// second waits for the first instead of racing it, so only one reads the
// camera.
func TestSecondStartWaitsForTheFirst(t *testing.T) {
	h := hub.New(hub.Options{})
	o := testOptions(t, "http://127.0.0.1:1", h)
	o.KeyframeTimeout = time.Minute
	m := NewManager(o)
	st := h.Open("cam")
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { m.Start("cam") })
	}
	peers.Await(t, 10*time.Second, "a start reaching the camera", func() bool { return len(st.Readers()) > 0 })
	time.Sleep(100 * time.Millisecond) // room for a racing second start to subscribe too
	if n := len(st.Readers()); n != 1 {
		t.Errorf("%d starts read the camera at once, want 1", n)
	}
	m.Close()
	wg.Wait()
}
