package alerts

import (
	"context"
	"testing"
	"time"
)

// collect writes a trickle at once and gathers a storm: with fewer than
// stormBatch waiting it never waits (BatchWait is an hour here, so a wait
// would show as a hang); with stormBatch waiting it waits for more, up to
// BatchSize or BatchWait. No broker: the queue is filled by the test.
func TestCollectWaitsOnlyInAStorm(t *testing.T) {
	for _, c := range []struct {
		name            string
		waiting, later  int
		wait            time.Duration
		size, wantBatch int
	}{
		{"a trickle is written at once", stormBatch - 1, 0, time.Hour, 1000, stormBatch - 1},
		{"a storm waits for a full batch", stormBatch, 10, time.Hour, stormBatch + 10, stormBatch + 10},
		{"a storm waits no longer than BatchWait", stormBatch, 0, 20 * time.Millisecond, 1000, stormBatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			life, end := context.WithCancel(context.Background())
			defer end()
			a := &Alerts{queue: make(chan queued, 2*stormBatch), life: life,
				opts: Options{BatchSize: c.size, BatchWait: c.wait}}
			for range c.waiting - 1 {
				a.queue <- queued{}
			}
			got := make(chan int, 1)
			go func() { got <- len(a.collect([]queued{{}})) }()
			if c.later > 0 {
				go func() {
					for range c.later {
						a.queue <- queued{}
					}
				}()
			}
			select {
			case n := <-got:
				if n != c.wantBatch {
					t.Fatalf("a batch of %d, want %d", n, c.wantBatch)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("collect still waiting after 10 s (want a batch of %d)", c.wantBatch)
			}
		})
	}
}
