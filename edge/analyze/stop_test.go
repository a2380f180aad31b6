package analyze

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
)

// TestStopDropsQueuedFrames: once the edge stops the analysis, frames
// queued for a camera are dropped instead of analysed, and no anomaly is
// published after Stop returns, while the one published before stays in
// the sink (a recorder standing in for the bus). The frames are the
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
	an.CameraOffline("down", true)
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
	an.CameraOffline("fire", true)
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
	if got := rec.anomalies(); len(got) != 1 {
		t.Fatalf("%d anomalies after the stop (%+v), want only the one before", len(got)-1, got[1:])
	}
	t.Logf("%d fire frames queued after the stop, none analysed, no anomaly", queued)
}
