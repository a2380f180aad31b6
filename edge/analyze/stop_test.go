package analyze

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/ingest"
)

// TestStopDropsQueuedFrames: once the edge stops the analysis, frames
// queued for a camera are dropped instead of analysed, and after Stop
// returns no anomaly is published but the end Close gives the one
// published before (the sink is a recorder standing in for the bus). The frames are the
// simulator's fire scene (ffmpeg-encoded), under the hillside rules.
func TestStopDropsQueuedFrames(t *testing.T) {
	sc := scene(t, peers.TinyScene(sim.Fire, sim.H264))
	h := hub.New(hub.Options{Queue: 1024})
	rec := &recorder{}
	an := New(Options{Edge: "edge-test", Hub: h, Sink: rec, Log: peers.TestLog(t), IdleFPS: 1, ActiveFPS: 5, Quiet: 10 * time.Second})
	an.Apply([]Camera{{ID: "fire", Site: "hillside", Stream: "fire"}, {ID: "down", Site: "hillside", Stream: "down"}})
	if err := an.Rules(siteRules(t, "hillside").Live()); err != nil {
		t.Fatal(err)
	}
	// before the stop: a camera down for 4 s raises camera_offline (the
	// edge ticks once a second)
	t0 := time.Now()
	an.CameraState("down", ingest.StateOffline)
	tick := func(from, to int) {
		for s := from; s <= to; s++ {
			an.Tick(t0.Add(time.Duration(s) * time.Second))
		}
	}
	tick(0, 4)
	before := rec.anomalies()
	if len(before) != 1 || before[0].Kind != bus.KindCameraOffline || before[0].State != "start" {
		t.Fatalf("before the stop: %+v, want one camera_offline start", before)
	}

	an.Stop()
	w := an.workers["fire"]
	stream := h.Open("fire")
	queued := 0
	for u := range sc.Replay(t0, sc.Loop()) {
		stream.Publish(u)
		queued++
	}
	an.CameraState("fire", ingest.StateOffline)
	tick(5, 10)
	closed := make(chan struct{})
	go func() { an.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(60 * time.Second):
		t.Fatal("Close hangs after Stop")
	}
	if n := w.analysed.Load(); n != 0 {
		t.Errorf("%d frames analysed after the stop, want 0", n)
	}
	// Close ends what went out before the stop; what the ticks after it
	// started (the fire camera's offline) went out neither as a start nor
	// as an end.
	got := rec.anomalies()
	if len(got) != 2 || got[1].ID != before[0].ID || got[1].State != "end" {
		t.Fatalf("after the stop: %+v, want only the end of %s", got[1:], before[0].ID)
	}
	t.Logf("%d fire frames queued after the stop, none analysed, no anomaly but the end", queued)
}
