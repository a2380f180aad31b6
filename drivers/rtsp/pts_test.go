package rtsp

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// Units pulled over RTSP carry their presentation time: from the first
// keyframe on, each PTS is the previous one plus whole frames (9000 at
// 10 fps on the 90 kHz clock), for H.264 and H.265. The keyframes (16 KB at
// 320x240) span several packets (FU-A/FU), whose last packet cannot start
// gortsplib's timing; PTS stayed 0 when it was asked with that one.
// Simulated: the camera (drivers/sim over RTSP, TCP).
func TestPulledUnitsAreTimed(t *testing.T) {
	for _, codec := range []sim.Codec{sim.H264, sim.H265} {
		t.Run(string(codec), func(t *testing.T) {
			cam := peers.Sim(t, sim.Camera{Path: "cam", Scene: sim.SceneSpec{Kind: sim.Black, Codec: codec, Width: 320, Height: 240,
				FPS: 10, GOP: time.Second, Duration: 4 * time.Second}})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var mu sync.Mutex
			var units []*media.Unit
			Pull(ctx, Options{URL: cam.URL("cam"), Counters: &Counters{}, Clock: &Clock{}, OnUnit: func(u *media.Unit) {
				mu.Lock()
				defer mu.Unlock()
				if len(units) > 0 || u.Key {
					units = append(units, u)
				}
				if len(units) == 25 {
					cancel()
				}
			}})
			mu.Lock()
			defer mu.Unlock()
			if len(units) < 25 {
				t.Fatalf("%d units from the first keyframe within 20 s", len(units))
			}
			if len(units[0].Packets) < 2 {
				t.Fatalf("the keyframe came in %d packet: the test needs a fragmented one", len(units[0].Packets))
			}
			for i := 1; i < len(units); i++ {
				// A whole number of frames: the simulator skips ahead when it falls behind under load.
				if step := units[i].PTS - units[i-1].PTS; step <= 0 || step%9000 != 0 {
					t.Fatalf("unit %d: PTS %d after %d (step %d), want a step of frames of 9000", i, units[i].PTS, units[i-1].PTS, step)
				}
			}
		})
	}
}
