package analyze

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/rules"
)

// TestFireWithoutMotionDetector runs the simulator's fire scene (ffmpeg,
// 640x360) through a camera whose rule set lists fire, smoke and health
// but no motion (configs/ruleset/testdata/implied): motion is implied, so
// the camera leaves idle and the fire is raised. Before, such a set was
// accepted and the camera stayed idle for ever.
func TestFireWithoutMotionDetector(t *testing.T) {
	path := filepath.Join(repoRoot(), "configs", "ruleset", "testdata", "implied", "hillside.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Parse(path, data, detect.Names())
	if err != nil {
		t.Fatal(err)
	}
	r := rules.NewRunner("hillside")
	if _, err := r.Apply(set, time.Now()); err != nil {
		t.Fatal(err)
	}
	sc := scene(t, sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360, FPS: 10})
	rec := &recorder{}
	w := testWorker(t, Camera{ID: "hillside-ridge", Site: "hillside"}, r, rec, "")
	active := false
	for u := range sc.Replay(time.Unix(1_800_000_000, 0), sc.Loop()) {
		w.unit(u)
		active = active || w.mode.Load() == Active
	}
	if _, ok := w.detectors["motion"]; !ok {
		t.Fatalf("detectors %v: motion not implied", w.detectors)
	}
	if !active {
		t.Fatal("the camera never left idle")
	}
	for _, a := range rec.anomalies() {
		if a.Kind == bus.KindFire && a.State == bus.StateStart {
			return
		}
	}
	t.Fatalf("no fire raised in a loop of the fire scene: %+v", rec.anomalies())
}
