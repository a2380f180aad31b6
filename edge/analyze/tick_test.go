package analyze

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/ingest"
)

// fireRules raise a critical fire after 1 s, ended 3 s after the flame.
const fireRules = `site: s1
version: 1
cameras:
  "*":
    rules:
      - {name: fire, kind: fire, min_duration: 1s, end_after: 3s, severity: critical}
      - {name: offline, kind: camera_offline, min_duration: 3s, end_after: 2s}
`

// TestTickLeavesFlowingCamerasToTheirFrames is what issue 13 saw: an
// overloaded edge analysing frames 20 s behind the wall clock, and the
// once-a-second tick ending their anomalies 0-2 s after they started. The
// tick now leaves a camera whose frames flow to its frames' times; only
// once the camera is offline does it end the camera's anomaly (the
// offline path). Synthetic: the frames' detections are given to the
// site's rules directly, the ticks are the manager's, as the edge's.
func TestTickLeavesFlowingCamerasToTheirFrames(t *testing.T) {
	rec := &recorder{}
	m := newManager(t, fireRules, rec, Camera{ID: "gate", Site: "s1", Stream: "gate"})
	fire := []detect.Detection{{Kind: detect.Fire, Score: 0.9, Box: detect.Box{X: 0.4, Y: 0.4, W: 0.2, H: 0.2}}}
	wall := time.Now()
	lagging := wall.Add(-20 * time.Second)
	r := m.runners["s1"]
	var starts int
	for i := range 50 { // 10 s of frames at 5 fps, 20 s behind, a tick a second
		at := lagging.Add(time.Duration(i) * 200 * time.Millisecond)
		for _, ev := range r.Observe("gate", at, fire) {
			if ev.State == "start" {
				starts++
			}
		}
		if i%5 == 4 {
			m.Tick(wall.Add(time.Duration(i/5) * time.Second))
		}
	}
	if starts != 1 {
		t.Fatalf("%d fire starts, want 1", starts)
	}
	if got := rec.anomalies(); len(got) != 0 {
		t.Fatalf("ticks of a camera whose frames flow published %+v, want nothing (its fire burns on its frames)", got)
	}
	if !r.Urgent("gate") {
		t.Fatal("the camera with a critical fire under way is not urgent")
	}

	m.CameraState("gate", ingest.StateOffline)
	for s := 10; s <= 15; s++ {
		m.Tick(wall.Add(time.Duration(s) * time.Second))
	}
	ended := false
	for _, a := range rec.anomalies() {
		ended = ended || (a.Kind == bus.KindFire && a.State == bus.StateEnd)
	}
	if !ended {
		t.Fatalf("anomalies %+v once the camera is offline, want the fire's end", rec.anomalies())
	}
}
