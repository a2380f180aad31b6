package ingest

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// resources are the process-wide figures that a leak would raise.
type resources struct {
	goroutines, fds int
	heap            uint64
}

func measureResources(t *testing.T) resources {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return resources{goroutines: runtime.NumGoroutine(), fds: len(fds), heap: ms.HeapAlloc}
}

// TestFlapping200 takes a simulated camera offline and back 200 times (the
// simulator closes its stream and refuses DESCRIBE while offline). Every
// drop is retried within the backoff bound, and goroutines, file
// descriptors and heap return to their baseline.
func TestFlapping200(t *testing.T) {
	cycles := 200
	if testing.Short() {
		cycles = 20
	}
	// a keyframe every 2 frames: the camera is online from its first
	// keyframe, and the test should not wait a GOP per cycle
	spec := peers.TinyScene(sim.Empty, sim.H264)
	spec.GOP = 200 * time.Millisecond
	s := peers.Sim(t, sim.Camera{Path: "flap", Scene: spec})
	h := newHarness(t)
	cfg := edgeConfig(t, cam("flap", s.URL("flap")))
	h.m.Apply(cfg)
	h.await("flap", StateOnline)
	base := measureResources(t)
	bound := time.Duration(float64(cfg.Ingest.Reconnect.Max) * (1 + cfg.Ingest.Reconnect.Jitter))
	for i := range cycles {
		if err := s.SetOnline("flap", false); err != nil {
			t.Fatal(err)
		}
		ev := h.await("flap", StateOffline)
		if ev.NextRetry == nil {
			t.Fatalf("cycle %d: offline without a retry time", i)
		}
		if wait := time.Until(*ev.NextRetry); wait > bound {
			t.Fatalf("cycle %d: next retry in %s, beyond the bound %s", i, wait, bound)
		}
		if err := s.SetOnline("flap", true); err != nil {
			t.Fatal(err)
		}
		h.await("flap", StateOnline)
	}
	st := h.status("flap")
	if st.Main.Reconnects < uint64(cycles) {
		t.Fatalf("%d reconnects after %d drops", st.Main.Reconnects, cycles)
	}
	after := measureResources(t)
	t.Logf("baseline %+v, after %d drops %+v", base, cycles, after)
	// small slack: the runtime and the simulator's own timers come and go
	if after.goroutines > base.goroutines+3 || after.fds > base.fds+2 || after.heap > base.heap+8<<20 {
		t.Fatalf("resources grew: baseline %+v, after %d drops %+v", base, cycles, after)
	}
}
