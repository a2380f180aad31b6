package record

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestRecorderReleasesWhatItNoLongerNeeds: the recorder releases every
// unit once it has left the pre-roll ring and been written to the clips
// that take it, so a pulled camera's read buffers are reused (media.Unit
// Recycle/Hold/Release), and no sooner: a released unit's bytes are
// overwritten at once here (0xff: no NAL unit header survives it), and
// the clip cut around an anomaly must still decode whole, with its
// pre-roll. Simulated: the units come from a scene replayed into the hub
// (drivers/sim), each a copy whose release overwrites it, as a pull's
// read buffer is reused.
func TestRecorderReleasesWhatItNoLongerNeeds(t *testing.T) {
	sc := scene(t, sim.H264)
	r, h := newRecorder(t, t.TempDir(), Options{}, map[string]Policy{"cam": {Mode: ModeEvents}})
	start := start0
	ft, end := start.Add(20*time.Second), start.Add(25*time.Second)
	var published, freed atomic.Int64
	st := h.Open("cam")
	rd := st.Readers()[0]
	sent := 0
	for u := range sc.Replay(start, 45*time.Second) {
		if sent == 0 && u.NTP.After(ft.Add(500*time.Millisecond)) {
			r.Observe(anomaly("a1", "cam", bus.StateStart, ft))
			sent++
		}
		if sent == 1 && u.NTP.After(end.Add(500*time.Millisecond)) {
			r.Observe(anomaly("a1", "cam", bus.StateEnd, end))
			sent++
		}
		own := *u
		own.Packets = nil
		own.AU = make([][]byte, len(u.AU))
		for i, n := range u.AU {
			own.AU[i] = bytes.Clone(n)
		}
		own.Recycle(func() {
			for _, n := range own.AU {
				for i := range n {
					n[i] = 0xff
				}
			}
			freed.Add(1)
		})
		waitFor(t, func() bool { return rd.Queued() < 128 })
		st.Publish(&own)
		own.Release() // the source's hold
		published.Add(1)
	}
	waitFor(t, func() bool { _, ok := r.ix.clip("a1"); return ok })
	c, _ := r.ix.clip("a1")
	if pre := ft.Sub(c.Start); pre < 9*time.Second {
		t.Errorf("clip starts %v before the anomaly's frame, want ≥ 9s", pre)
	}
	decodeAll(t, c.Path)

	// The ring keeps 15 s and a GOP at most, the hub its current GOP.
	fps := int64(sc.Spec.FPS)
	keep := int64(r.o.PreRoll+ringSlack+2*time.Second) / int64(time.Second) * fps
	if held := published.Load() - freed.Load(); held <= 0 || held > keep {
		t.Fatalf("%d units held after the play, want some (the ring's) and at most %d", held, keep)
	}
	h.Remove("cam")
	waitFor(t, func() bool { return freed.Load() == published.Load() })
}
