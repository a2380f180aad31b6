package analyze

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/rules"
)

// loiterRules watch the middle of the street for a person who stays 8 s.
const loiterRules = `site: s1
version: 1
cameras:
  "*":
    detectors:
      motion: {threshold: 25, min_area: 0.002}
      objects: {model: yolox-nano, min_score: 0.5}
    rules:
      - name: loiter
        kind: loitering
        dwell: 8s
        update_every: 2s
        zone: {name: middle, polygon: [[0.3, 0.5], [0.65, 0.5], [0.65, 1], [0.3, 1]]}
`

// TestLoiteringStillPerson runs the simulator's loiter scene through the
// whole analysis with a dwell rule and YOLOX-nano: a pedestrian cut out of
// vtest.avi (real footage), slid by ffmpeg into an empty street (H.264,
// 640x360, 5 fps, 2 minutes), stands still from 13 s to 80 s, then walks
// off. Standing still, he stops being motion once the background has
// learnt him, about half a minute later (before following was added, the
// camera went idle 10 s after that and the anomaly ended at 54 s). The
// anomaly must start after the dwell, go on while he stands there and end
// once he has left.
func TestLoiteringStillPerson(t *testing.T) {
	if testing.Short() {
		t.Skip("two minutes of video through YOLOX-nano: not in -short")
	}
	dir := modelDir(t)
	if _, err := sim.VTestPath(); err != nil {
		t.Skip(err)
	}
	sc := scene(t, sim.SceneSpec{Kind: sim.Loiter, Width: 640, Height: 360, FPS: 5, Duration: 120 * time.Second})
	still := sc.Truth[1]
	set, err := rules.Parse("s1.yaml", []byte(loiterRules), detect.Names())
	if err != nil {
		t.Fatal(err)
	}
	runner := rules.NewRunner("s1")
	if _, err := runner.Apply(set, time.Now()); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	w := testWorker(t, Camera{ID: "street", Site: "s1"}, runner, rec, dir)
	start := time.Unix(1_800_000_000, 0)
	// The CPU of the last 20 s he stands still, long after he stopped
	// being motion: what following him costs.
	from, to := start.Add(still.To-20*time.Second), start.Add(still.To)
	var cpu time.Duration
	for u := range sc.Replay(start, sc.Loop()) {
		c0 := cpuTime()
		w.unit(u)
		if !u.NTP.Before(from) && u.NTP.Before(to) {
			cpu += cpuTime() - c0
		}
	}
	t.Logf("following him while he stands still costs %.0f ms of CPU per second of video (640x360, 5 fps)", float64(cpu.Milliseconds())/20)
	var id string
	var first, last, end time.Duration
	updates := 0
	for _, a := range rec.anomalies() {
		at := a.FrameTime.Time.Sub(start)
		t.Logf("%s %s at %s", a.ID, a.State, at)
		if id == "" {
			id, first = a.ID, at
			if a.State != bus.StateStart {
				t.Fatalf("first event %s, want a start", a.State)
			}
		}
		if a.ID != id {
			t.Fatalf("a second loitering anomaly %s: the first one ended while he stood still", a.ID)
		}
		switch a.State {
		case bus.StateUpdate:
			updates++
			last = at
		case bus.StateEnd:
			end = at
		}
	}
	t.Logf("still from %s to %s; start at %s, %d updates, last at %s, end at %s; %d frames analysed",
		still.From, still.To, first, updates, last, end, w.analysed.Load())
	switch {
	case id == "":
		t.Fatal("no loitering anomaly")
	case first < 8*time.Second || first > still.From+8*time.Second+2*time.Second:
		t.Fatalf("start at %s, want dwell (8 s) after he entered the zone", first)
	case last < still.To-2*time.Second:
		t.Fatalf("last update at %s, want it to go on while he stands still (until %s)", last, still.To)
	case end == 0 || end < still.To:
		t.Fatalf("end at %s, want one after he left (%s)", end, still.To)
	}
}
