package analyze

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/rules"
)

// shadowFireRules is the hillside fire watch with the fire detector's
// min_area (the smallest flame it reports, as a fraction of the frame) and
// the fire rule's min_score as parameters; shadow is "" or "shadow: true".
const shadowFireRules = `site: hillside
version: %d
%s
cameras:
  "*":
    detectors:
      motion: {threshold: 20, min_area: 0.001}
      fire: {min_area: %v}
      health: {}
    rules:
      - {name: fire, kind: fire, min_score: %v, min_duration: 2s, end_after: 5s, update_every: 5s, severity: critical}
`

// TestShadowThresholdChange is "a threshold change in shadow", end to end
// through a camera's analysis: the simulator's fire scene (a flame growing
// on a hillside, ffmpeg-encoded 640x360 10 fps, decoded by libavcodec)
// runs through one worker whose site has a live and a shadow rule set.
//   - shadow lowers: live fire min_area 0.9 (no flame is that big) never
//     alerts, the shadow's default does: shadow anomalies only;
//   - shadow raises: the reverse, live anomalies only;
//   - rules only: the detectors are the same, the shadow's rule asks a
//     score no flame reaches: the detectors run once, shared, and only
//     live alerts;
//   - starved: as "shadow lowers" on an edge whose budget (a billionth
//     of a core, a synthetic clock a second on per call so that the
//     scheduler shares it out at every frame) leaves nothing after the
//     live tiers: the shadow's fire is shed, counted as reason "shadow"
//     and logged as the shadow's (never as live overload), and raises
//     nothing.
//
// Where the detector settings differ, the shadow's fire runs as its own
// instance and motion and health, equal in both, run once per frame.
func TestShadowThresholdChange(t *testing.T) {
	sc := scene(t, sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360, FPS: 10})
	cases := []struct {
		name                   string
		liveArea, shadowArea   float64
		liveScore, shadowScore float64
		wantLive, wantShadow   bool
		own                    []string
		starved                bool
	}{
		{"shadow lowers", 0.9, 0, 0.5, 0.5, false, true, []string{"fire"}, false},
		{"shadow raises", 0, 0.9, 0.5, 0.5, true, false, []string{"fire"}, false},
		{"rules only", 0, 0, 0.5, 1, true, false, nil, false},
		{"starved", 0.9, 0, 0.5, 0.5, false, false, []string{"fire"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rules.NewRunner("hillside")
			live := fmt.Sprintf(shadowFireRules, 3, "", c.liveArea, c.liveScore)
			shadow := fmt.Sprintf(shadowFireRules, 4, "shadow: true", c.shadowArea, c.shadowScore)
			for _, doc := range []string{live, shadow} {
				set, err := rules.Parse("hillside.yaml", []byte(doc), detect.Names())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := r.Apply(set, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			rec := &recorder{}
			w := testWorker(t, Camera{ID: "hillside-ridge", Site: "hillside"}, r, rec, "")
			// The scheduler with no budget limit: the shadow's turn is asked
			// for on every frame and given.
			w.sched = newScheduler(0, time.Now)
			if c.starved {
				clock := time.Unix(1_800_000_000, 0)
				w.sched = newScheduler(1e-9, func() time.Time { clock = clock.Add(time.Second); return clock })
			}
			w.sched.join(w.cam.ID)
			w.sched.joinShadow(shadowKey(w.cam.ID))
			var liveLog, shadowLog bytes.Buffer
			w.burst = &burstLog{log: zerolog.New(&liveLog), now: time.Now}
			w.shadowBurst = &burstLog{log: zerolog.New(&shadowLog), now: time.Now, shadow: true}
			for u := range sc.Replay(time.Unix(1_800_000_000, 0), sc.Loop()) {
				w.unit(u)
			}
			if said := strings.Contains(shadowLog.String(), "shadow detectors shed"); said != c.starved {
				t.Errorf("shadow shedding logged %v, want %v: %q", said, c.starved, shadowLog.String())
			}
			if st := (Status{Shed: w.load.shed.byReason()}); liveLog.Len() > 0 || st.ShedTotal() > 0 {
				t.Errorf("the live analysis shed %d frames (log %q): the shadow's shedding is its own", st.ShedTotal(), liveLog.String())
			}
			var liveFires, shadowFires int
			for _, a := range rec.anomalies() {
				if a.Kind != bus.KindFire || a.State != bus.StateStart {
					continue
				}
				if a.Shadow != strings.HasSuffix(a.ID, ".shadow") {
					t.Errorf("anomaly %s: shadow %v", a.ID, a.Shadow)
				}
				t.Logf("%s start at %s of the scene", a.ID, a.FrameTime.Sub(time.Unix(1_800_000_000, 0)))
				if a.Shadow {
					shadowFires++
					if a.RuleVersion != 4 {
						t.Errorf("shadow anomaly of version %d, want 4", a.RuleVersion)
					}
				} else {
					liveFires++
				}
			}
			shed := w.load.shed.byReason()[ShedShadow]
			t.Logf("fire starts: live %d, shadow %d; frames %d, shadow shed %d", liveFires, shadowFires, w.analysed.Load(), shed)
			if (shed > 0) != c.starved {
				t.Errorf("%d frames' shadow work shed, want some: %v", shed, c.starved)
			}
			if (liveFires > 0) != c.wantLive || (shadowFires > 0) != c.wantShadow {
				t.Errorf("fire starts: live %d, shadow %d; want live %v, shadow %v", liveFires, shadowFires, c.wantLive, c.wantShadow)
			}
			if got := w.shadowOwn(); !reflect.DeepEqual(got, c.own) {
				t.Errorf("shadow's own detectors %v, want %v", got, c.own)
			}
			costs := w.costs()
			for _, d := range []string{"motion", "fire", "shadow/fire"} {
				if c := costs[d]; c.runs > 0 {
					t.Logf("%s: %d runs, %.2f ms a run", d, c.runs, 1000*c.seconds/float64(c.runs))
				}
			}
			if costs["motion"].runs != w.analysed.Load() {
				t.Errorf("motion ran %d times on %d frames: shared motion runs once a frame", costs["motion"].runs, w.analysed.Load())
			}
			for d := range costs {
				if strings.HasPrefix(d, "shadow/") && !contains(c.own, strings.TrimPrefix(d, "shadow/")) {
					t.Errorf("%s ran: its settings equal the live one's", d)
				}
			}
			if len(c.own) > 0 && !c.starved && costs["shadow/fire"].runs == 0 {
				t.Error("the shadow's own fire never ran")
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestShadowObjectsThreshold is a threshold change of the expensive
// detector in shadow: 10 s of vtest.avi (OpenCV's real pedestrian clip,
// 768x576, ffmpeg-encoded) through one worker whose live objects detector
// (YOLOX-nano) asks a score of 0.99 and whose shadow one asks 0.3. The
// shadow's objects run as their own instance, through the scheduler at
// TierShadow, and only the shadow raises person anomalies.
func TestShadowObjectsThreshold(t *testing.T) {
	const doc = `site: riverside
version: %d
%s
cameras:
  "*":
    detectors:
      motion: {threshold: 25, min_area: 0.002}
      objects: {min_score: %v}
    rules:
      - {name: people, kind: person, min_duration: 1s}
`
	if _, err := sim.VTestPath(); err != nil {
		t.Fatal(err) // make deps extracts it
	}
	sc := scene(t, sim.SceneSpec{Kind: sim.People, Width: 768, Height: 576, FPS: 10, Duration: 79 * time.Second})
	r := rules.NewRunner("riverside")
	for _, text := range []string{fmt.Sprintf(doc, 1, "", 0.99), fmt.Sprintf(doc, 1, "shadow: true", 0.3)} {
		set, err := rules.Parse("riverside.yaml", []byte(text), detect.Names())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Apply(set, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	w := testWorker(t, Camera{ID: "riverside-walk", Site: "riverside"}, r, rec, modelDir(t))
	w.sched = newScheduler(0, time.Now)
	w.sched.join(w.cam.ID)
	w.sched.joinShadow(shadowKey(w.cam.ID))
	for u := range sc.Replay(time.Unix(1_800_000_000, 0), 10*time.Second) {
		w.unit(u)
	}
	var live, shadow int
	for _, a := range rec.anomalies() {
		if a.Kind == bus.KindPerson && a.State == bus.StateStart {
			if a.Shadow {
				shadow++
			} else {
				live++
			}
		}
	}
	costs := w.costs()
	t.Logf("person starts: live %d, shadow %d; objects %d runs, %.1f ms a run; shadow/objects %d runs, %.1f ms a run",
		live, shadow, costs["objects"].runs, 1000*costs["objects"].seconds/float64(max(costs["objects"].runs, 1)),
		costs["shadow/objects"].runs, 1000*costs["shadow/objects"].seconds/float64(max(costs["shadow/objects"].runs, 1)))
	if got := w.shadowOwn(); !reflect.DeepEqual(got, []string{"objects"}) {
		t.Errorf("shadow's own detectors %v, want [objects]", got)
	}
	if live != 0 || shadow == 0 {
		t.Errorf("person starts: live %d, shadow %d; want none live, some in shadow", live, shadow)
	}
}
