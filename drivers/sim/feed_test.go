package sim

import (
	"math"
	"testing"
)

// Simulated: a camera with one (pretend) reader sends its scene frame after
// frame, with corruption on and off. Our send path allocates nothing per
// packet: the only allocations left are gortsplib's, one marshal buffer
// per packet written to a stream.
func TestSendAllocations(t *testing.T) {
	s := startServer(t)
	sc, err := s.lib.Scene(deadline(t), tinySpec(Empty, H264))
	if err != nil {
		t.Fatal(err)
	}
	f := newFeed(s, Camera{Path: "allocs", Scene: sc.Spec})
	f.scene = sc
	if _, err := f.swapStream(true); err != nil {
		t.Fatal(err)
	}
	defer f.swapStream(false) //nolint:errcheck
	f.readers.Store(1)
	packets := 0
	for _, fr := range sc.frames {
		packets += len(fr.payloads)
	}
	for _, frac := range []float64{0, 0.5} {
		f.corruptF.Store(math.Float64bits(frac))
		var n int64
		allocs := testing.AllocsPerRun(3, func() {
			for range sc.frames {
				f.send(sc, n)
				n++
			}
		})
		// AllocsPerRun counts the whole process: the server's own goroutines
		// may allocate a few times meanwhile. One allocation more per packet
		// in our path would still double the count.
		if allocs > float64(packets+packets/10) {
			t.Fatalf("corrupt %v: %v allocations for a loop of %d packets", frac, allocs, packets)
		}
		t.Logf("corrupt %v: %v allocations for a loop of %d packets", frac, allocs, packets)
	}
}
