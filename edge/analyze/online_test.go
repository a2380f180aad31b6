package analyze

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/ingest"
	"github.com/argus-edge/argus/edge/rules"
)

// stillRules report a person on sight, motion-gated as the demo's are.
const stillRules = `site: s1
version: 1
cameras:
  "*":
    detectors:
      motion: {threshold: 25, min_area: 0.002}
      objects: {model: yolox-nano, min_score: 0.5}
    rules:
      - {name: person, kind: person, min_score: 0.5, min_duration: 1s, end_after: 5s}
`

// TestPersonStillWhenCameraComesOnline: the simulator's loiter scene (a
// pedestrian cut out of vtest.avi, real footage, slid by ffmpeg into an
// empty street: H.264, 640x360, 5 fps) is joined 5 s after he stopped, as
// a camera coming online would deliver it (from a keyframe on), and left
// 1 s before he walks off: he stands still in every frame the edge sees.
// Coming online, the camera gets a whole-frame look and he is reported
// within seconds. Without the look (the worker as it was) motion never
// fires and nobody is reported: that is what the look is for.
func TestPersonStillWhenCameraComesOnline(t *testing.T) {
	dir := modelDir(t)
	if _, err := sim.VTestPath(); err != nil {
		t.Fatal(err) // make deps extracts it
	}
	sc := scene(t, sim.SceneSpec{Kind: sim.Loiter, Width: 640, Height: 360, FPS: 5})
	still := sc.Truth[1]
	start := time.Unix(1_800_000_000, 0)
	online, leaves := start.Add(still.From+5*time.Second), start.Add(still.To-time.Second)
	run := func(look bool) []bus.Anomaly {
		set, err := rules.Parse("s1.yaml", []byte(stillRules), detect.Names())
		if err != nil {
			t.Fatal(err)
		}
		runner := rules.NewRunner("s1")
		if _, err := runner.Apply(set, time.Now()); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		w := testWorker(t, Camera{ID: "street", Site: "s1"}, runner, rec, dir)
		w.look.Store(look)
		joined := false
		for u := range sc.Replay(start, sc.Loop()) {
			joined = joined || (u.Key && !u.NTP.Before(online))
			if !joined {
				continue
			}
			if !u.NTP.Before(leaves) {
				break
			}
			w.unit(u)
		}
		return rec.anomalies()
	}
	var first time.Duration
	for _, a := range run(true) {
		if a.Kind == bus.KindPerson && a.State == bus.StateStart {
			first = a.FrameTime.Time.Sub(online)
			break
		}
	}
	if first == 0 {
		t.Fatalf("no person reported while he stood still in view from %s to %s of the scene", still.From+5*time.Second, still.To-time.Second)
	}
	t.Logf("person reported %s after the camera came online (min_duration 1s)", first)
	if first > 5*time.Second {
		t.Errorf("person reported %s after the camera came online, want within 5 s", first)
	}
	for _, a := range run(false) {
		if a.Kind == bus.KindPerson {
			t.Fatalf("without the whole-frame look a person was reported (%s at %s): this scene does not show the gap", a.State, a.FrameTime.Time.Sub(online))
		}
	}
}

// TestOnlineAsksForALook: a camera's analysis starts with a whole-frame
// look pending, and each time its pull comes back online it gets another.
func TestOnlineAsksForALook(t *testing.T) {
	an := New(Options{Edge: "edge-test", Hub: hub.New(hub.Options{Queue: 8}), Sink: &recorder{}, IdleFPS: 1, ActiveFPS: 5, Quiet: 10 * time.Second})
	t.Cleanup(an.Close)
	an.Apply([]Camera{{ID: "cam", Site: "s1", Stream: "cam"}})
	w := an.workers["cam"]
	if !w.look.Load() {
		t.Fatal("a new camera's analysis has no whole-frame look pending")
	}
	w.look.Store(false) // as after its first analysed frame
	an.CameraState("cam", ingest.StateOffline)
	an.CameraState("cam", ingest.StateConnecting)
	if w.look.Load() {
		t.Fatal("a look asked while the camera is down")
	}
	an.CameraState("cam", ingest.StateOnline)
	if !w.look.Load() {
		t.Fatal("back online without a whole-frame look pending")
	}
}
