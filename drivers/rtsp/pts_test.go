package rtsp

import (
	"context"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestUnitsCarryPTS: units pulled from a camera (the simulator's tiny
// scene over RTSP: 10 fps, a keyframe every second, its IDRs fragmented
// in FU-A) carry their PTS on the 90 kHz clock, a frame interval (9000)
// apart, from the first keyframe on. The PTS was read from a unit's last
// packet, on which gortsplib's time decoder never starts (an IDR's last
// fragment does not begin a random-access NAL unit): every PTS was 0, and
// the recorder closed a file at every frame.
func TestUnitsCarryPTS(t *testing.T) {
	s := peers.Sim(t, sim.Camera{Path: "cam", Scene: peers.TinyScene(sim.Empty, sim.H264)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const want = 25
	units := make(chan *media.Unit, want)
	errc := make(chan error, 1)
	go func() {
		errc <- Pull(ctx, Options{URL: s.URL("cam"), OnUnit: func(u *media.Unit) {
			select {
			case units <- u:
			default:
				cancel() // enough
			}
		}})
	}()
	var got []*media.Unit
	for len(got) < want {
		select {
		case u := <-units:
			if len(got) > 0 || u.Key {
				got = append(got, u)
			}
		case err := <-errc:
			t.Fatalf("pull ended after %d units: %v", len(got), err)
		}
	}
	cancel()
	<-errc
	for i := 1; i < len(got); i++ {
		if d := got[i].PTS - got[i-1].PTS; d != 9000 {
			t.Fatalf("unit %d: PTS %d, %d after the one before, want 9000 (a frame at 10 fps)", i, got[i].PTS, d)
		}
	}
}
