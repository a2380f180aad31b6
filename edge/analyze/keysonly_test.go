package analyze

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/edge/hub"
)

// An idle camera's analysis takes keyframes alone from the hub: the other
// units are not queued to it (nor counted as drops), so its goroutine is
// not woken for each. The site has no rule set, so the camera stays idle;
// the units are synthetic (nothing decodes them without rules).
func TestIdleAnalysisTakesKeyframesAlone(t *testing.T) {
	h := hub.New(hub.Options{Queue: 64})
	an := New(Options{Edge: "edge-test", Hub: h, Sink: &recorder{}, Log: peers.TestLog(t),
		IdleFPS: 1, ActiveFPS: 5, Quiet: 10 * time.Second})
	t.Cleanup(an.Close)
	an.Apply([]Camera{{ID: "c", Site: "nowhere", Stream: "c"}})
	s := h.Stream("c")
	t0 := time.Now()
	for i := range 45 { // 3 s at 15 fps, a keyframe every 2 s: keys at 0 and 30
		s.Publish(&media.Unit{Key: i%30 == 0, NTP: t0.Add(time.Duration(i) * time.Second / 15), Size: 1000})
	}
	var r *hub.Reader
	for _, x := range s.Readers() {
		if x.Name() == "analyze" {
			r = x
		}
	}
	if r == nil {
		t.Fatal("the analysis did not subscribe to the camera")
	}
	if r.Delivered() != 2 || r.Dropped() != 0 {
		t.Fatalf("an idle camera's analysis was queued %d units (%d dropped), want the 2 keyframes and no drops", r.Delivered(), r.Dropped())
	}
}
