package notify

import (
	"testing"
	"time"
)

// A fast listener gets everything in order; a stuck one costs the
// publisher nothing and its misses are counted; cancel ends delivery.
func TestSlowListenerDropsAndNeverBlocks(t *testing.T) {
	h := New[int](4)
	got := make(chan int, 100)
	cancelFast := h.Subscribe(func(v int) { got <- v })
	release := make(chan struct{})
	entered := make(chan int, 1)
	cancelStuck := h.Subscribe(func(v int) {
		select {
		case entered <- v:
		default:
		}
		<-release
	})
	if h.Listeners() != 2 {
		t.Fatalf("%d listeners, want 2", h.Listeners())
	}
	h.Publish(0)
	<-entered // the stuck listener holds 0; its queue (4) is empty
	for i := 0; i <= 20; i++ {
		if i > 0 {
			h.Publish(i) // must return at once although one listener is stuck
		}
		select {
		case v := <-got:
			if v != i {
				t.Fatalf("fast listener got %d, want %d", v, i)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("fast listener: %d not delivered", i)
		}
	}
	// 20 published after the stuck one took 0: 4 queued, 16 dropped.
	if d := h.Dropped(); d != 16 {
		t.Fatalf("dropped %d, want 16", d)
	}
	close(release)
	cancelStuck()
	cancelFast()
	cancelFast() // twice is harmless
	h.Publish(99)
	if h.Listeners() != 0 || len(got) != 0 {
		t.Fatalf("after cancel: %d listeners, %d values delivered", h.Listeners(), len(got))
	}
}
