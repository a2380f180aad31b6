package analyze

import (
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/rules"
)

// healthRules are camera health rules; version 2 changes the motion
// detector's threshold and the rules' severity, not the health detector.
const healthRules = `site: s1
version: %d
cameras:
  "*":
    detectors:
      motion: {threshold: %d, min_area: 0.002}
      health: {}
    rules:
      - {name: covered, kind: camera_covered, min_duration: 1s, end_after: 2s, update_every: 2s, severity: %[3]s}
      - {name: frozen, kind: camera_frozen, min_duration: 1s, end_after: 2s, update_every: 2s, severity: %[3]s}
      - {name: tampered, kind: camera_tampered, min_duration: 1s, end_after: 2s, update_every: 2s, severity: %[3]s}
`

// TestRulesChangeKeepsHealthAnomalies applies a new rule version while a
// camera health anomaly is under way. The health detector's settings did
// not change, so it goes on with its reference and timers: the anomaly
// keeps its id and goes on under the new version, while the motion
// detector, whose threshold changed, is made anew. The faults are the
// simulator's scenes (ffmpeg-encoded, decoded by libavcodec), cut and
// spliced as a camera would send them:
//   - covered: the black scene, a street whose lens goes black at 15 s;
//   - frozen: the empty street until 5 s, then its keyframe at 5 s sent
//     again and again (an encoder stuck on one picture);
//   - tampered: the empty street until 10 s, then vtest.avi's real street
//     at the same size (the camera turned to another view).
func TestRulesChangeKeepsHealthAnomalies(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	small := sim.SceneSpec{Width: 640, Height: 360, FPS: 10, GOP: time.Second}
	cases := []struct {
		kind  string
		units func(t *testing.T) iter.Seq[*media.Unit]
		run   time.Duration
	}{
		{bus.KindCameraCovered, func(t *testing.T) iter.Seq[*media.Unit] {
			spec := small
			spec.Kind, spec.Duration = sim.Black, 30*time.Second
			return scene(t, spec).Replay(start, 30*time.Second)
		}, 30 * time.Second},
		{bus.KindCameraFrozen, func(t *testing.T) iter.Seq[*media.Unit] {
			spec := small
			spec.Kind = sim.Empty
			return frozenFrom(scene(t, spec).Replay(start, 40*time.Second), start.Add(5*time.Second))
		}, 40 * time.Second},
		{bus.KindCameraTampered, func(t *testing.T) iter.Seq[*media.Unit] {
			if _, err := sim.VTestPath(); err != nil {
				t.Fatal(err) // make deps extracts vtest.avi
			}
			people := sim.SceneSpec{Kind: sim.People, Width: 768, Height: 576, FPS: 10, Duration: 79 * time.Second}
			street := sim.SceneSpec{Kind: sim.Empty, Width: 768, Height: 576, FPS: 10}
			return splice(scene(t, street).Replay(start, 10*time.Second), scene(t, people).Replay(start.Add(10*time.Second), 20*time.Second))
		}, 30 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			runner := rules.NewRunner("s1")
			if _, err := runner.Apply(healthSet(t, 1, 25, "medium"), start); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			w := testWorker(t, Camera{ID: "cam", Site: "s1"}, runner, rec, "")
			var before map[string]detect.Detector
			var swapAt time.Time
			for u := range c.units(t) {
				if before == nil && started(rec, c.kind) {
					before = map[string]detect.Detector{"motion": w.detectors["motion"], "health": w.detectors["health"]}
					if _, err := runner.Apply(healthSet(t, 2, 30, "high"), u.NTP); err != nil {
						t.Fatal(err)
					}
					swapAt = u.NTP
				}
				w.unit(u)
			}
			if before == nil {
				t.Fatalf("no %s anomaly started", c.kind)
			}
			if w.detectors["health"] != before["health"] || w.detectors["motion"] == before["motion"] {
				t.Fatal("version 2 did not keep the health detector and remake the motion detector")
			}
			var id string
			versions := map[int]int{}
			var last time.Time
			for _, a := range rec.anomalies() {
				if a.Kind != c.kind {
					continue
				}
				if id == "" {
					id = a.ID
				}
				if a.ID != id || a.State == bus.StateEnd {
					t.Fatalf("%s %s at %s: the anomaly ended across the swap at %s", a.ID, a.State, a.FrameTime.Sub(start), swapAt.Sub(start))
				}
				versions[a.RuleVersion]++
				last = a.FrameTime.Time
			}
			t.Logf("%s, swap at %s, events per version %v, last at %s", id, swapAt.Sub(start), versions, last.Sub(start))
			if versions[1] == 0 || versions[2] < 2 || start.Add(c.run).Sub(last) > 3*time.Second {
				t.Fatalf("events per version %v, last at %s of %s: want it to go on under version 2", versions, last.Sub(start), c.run)
			}
		})
	}
}

func healthSet(t *testing.T, version, threshold int, severity string) *rules.Set {
	t.Helper()
	s, err := rules.Parse("s1.yaml", []byte(fmt.Sprintf(healthRules, version, threshold, severity)), detect.Names())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func started(r *recorder, kind string) bool {
	for _, a := range r.anomalies() {
		if a.Kind == kind && a.State == bus.StateStart {
			return true
		}
	}
	return false
}

// frozenFrom sends units as they are until at, then the last keyframe
// before at in place of every unit, with the unit's times.
func frozenFrom(units iter.Seq[*media.Unit], at time.Time) iter.Seq[*media.Unit] {
	return func(yield func(*media.Unit) bool) {
		var key *media.Unit
		for u := range units {
			if u.NTP.Before(at) {
				if u.Key {
					key = u
				}
			} else if key != nil {
				same := *key
				same.NTP, same.PTS = u.NTP, u.PTS
				u = &same
			}
			if !yield(u) {
				return
			}
		}
	}
}

// splice sends a's units, then b's.
func splice(a, b iter.Seq[*media.Unit]) iter.Seq[*media.Unit] {
	return func(yield func(*media.Unit) bool) {
		for _, s := range []iter.Seq[*media.Unit]{a, b} {
			for u := range s {
				if !yield(u) {
					return
				}
			}
		}
	}
}
