package rules

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

// All engine tests are synthetic: hand-made detections at chosen frame
// times, no camera and no detector, so they are exact and take no time.

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func mustParse(t testing.TB, doc string) *Set {
	t.Helper()
	s, err := Parse("t.yaml", []byte(doc), registered)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// oneRule is a set with one rule (YAML flow mapping body) on camera c.
func oneRule(version int, rule string) string {
	return fmt.Sprintf("site: s\nversion: %d\ncameras:\n  c:\n    rules:\n      - {%s}\n", version, rule)
}

// person is a person standing with feet at (x, y), 0.1 wide, 0.3 tall.
func person(x, y, score float64) detect.Detection {
	return detect.Detection{Kind: detect.Person, Label: "person", Score: score, Box: detect.Box{X: x - 0.05, Y: y - 0.3, W: 0.1, H: 0.3}}
}

// feed runs frames of camera c every step from `from` to `to` (excluded)
// and returns the events; scene says what is seen at each frame.
func feed(e *Engine, from, to, step time.Duration, scene func(d time.Duration) []detect.Detection) []Event {
	var out []Event
	for d := from; d < to; d += step {
		out = append(out, e.Observe("c", at(d), scene(d))...)
	}
	return out
}

// brief prints events as "state@offset" for compact comparisons.
func brief(evs []Event) string {
	var parts []string
	for _, ev := range evs {
		parts = append(parts, fmt.Sprintf("%s@%s", ev.State, ev.FrameTime.Sub(t0)))
	}
	return strings.Join(parts, " ")
}

func TestLifecycle(t *testing.T) {
	e := NewEngine(mustParse(t, oneRule(1, "name: p, kind: person, min_duration: 2s, end_after: 3s, cooldown: 10s, update_every: 5s")))
	present := func(d time.Duration) bool {
		return d < 20*time.Second || // first visit: start, updates, end
			d >= 25*time.Second && d < 30*time.Second || // inside the cool-down: nothing
			d >= 35*time.Second && d < 36*time.Second || // too short for min_duration
			d >= 40*time.Second && d < 43*time.Second // starts again after 2s
	}
	evs := feed(e, 0, 50*time.Second, 500*time.Millisecond, func(d time.Duration) []detect.Detection {
		if present(d) {
			return []detect.Detection{person(0.5, 0.9, 0.7+float64(d/time.Second)/100)}
		}
		return nil
	})
	want := "start@2s update@7s update@12s update@17s end@22.5s start@42s end@45.5s"
	if got := brief(evs); got != want {
		t.Fatalf("events\n got %s\nwant %s", got, want)
	}
	first := evs[0]
	if first.ID != "c.p."+fmt.Sprint(at(2*time.Second).UnixMilli()) || first.Kind != "person" || first.Rule != "p" ||
		first.RuleVersion != 1 || first.Severity != "medium" || first.Shadow || first.Site != "s" {
		t.Errorf("start event %+v", first)
	}
	for _, ev := range evs[1:5] {
		if ev.ID != first.ID || !ev.Started.Equal(first.FrameTime) {
			t.Errorf("event %s has id %s, want %s", ev.State, ev.ID, first.ID)
		}
	}
	if end := evs[4]; math.Abs(end.Score-0.89) > 1e-9 { // the max so far (0.7 + 19/100)
		t.Errorf("end score %v, want 0.89", end.Score)
	}
	if evs[5].ID == first.ID {
		t.Error("a new anomaly reuses the old id")
	}
}

// Frames stop (the camera went offline): Tick ends the anomaly.
func TestTickEndsWithoutFrames(t *testing.T) {
	e := NewEngine(mustParse(t, oneRule(1, "name: p, kind: person")))
	evs := feed(e, 0, 2*time.Second, time.Second, func(time.Duration) []detect.Detection {
		return []detect.Detection{person(0.5, 0.5, 0.9)}
	})
	for s := 2; s <= 5; s++ {
		evs = append(evs, e.Tick(at(time.Duration(s)*time.Second))...)
	}
	if got := brief(evs); got != "start@0s end@4s" {
		t.Errorf("got %s", got)
	}
}

func TestZoneMasksFilters(t *testing.T) {
	zone := "zone: {name: yard, polygon: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]]}"
	cases := []struct {
		name, rule string
		det        detect.Detection
		want       bool
	}{
		{"feet in zone", "kind: intrusion, " + zone, person(0.25, 0.8, 0.9), true},
		{"feet out of zone", "kind: intrusion, " + zone, person(0.75, 0.8, 0.9), false},
		// The box overlaps the zone but the feet are beyond it.
		{"head in zone, feet out", "kind: intrusion, " + zone, person(0.25, 0.45, 0.9), false},
		{"vehicle ignored by default", "kind: intrusion, " + zone, detect.Detection{Kind: detect.Vehicle, Score: 0.9, Box: detect.Box{X: 0.1, Y: 0.6, W: 0.1, H: 0.1}}, false},
		{"vehicle watched", "kind: intrusion, objects: [vehicle], " + zone, detect.Detection{Kind: detect.Vehicle, Score: 0.9, Box: detect.Box{X: 0.1, Y: 0.6, W: 0.1, H: 0.1}}, true},
		{"fire uses the box centre", "kind: fire, " + zone, detect.Detection{Kind: detect.Fire, Score: 0.9, Box: detect.Box{X: 0.2, Y: 0.3, W: 0.1, H: 0.25}}, false},
		{"masked", "kind: person, masks: [[[0, 0.7], [1, 0.7], [1, 1], [0, 1]]]", person(0.5, 0.9, 0.9), false},
		{"outside the mask", "kind: person, masks: [[[0, 0.7], [1, 0.7], [1, 1], [0, 1]]]", person(0.5, 0.6, 0.9), true},
		{"score below min", "kind: person, min_score: 0.6", person(0.5, 0.5, 0.59), false},
		{"score at min", "kind: person, min_score: 0.6", person(0.5, 0.5, 0.6), true},
		{"area below min", "kind: person, min_area: 0.05", person(0.5, 0.5, 0.9), false}, // 0.1×0.3 = 0.03
		{"area above max", "kind: person, max_area: 0.02", person(0.5, 0.5, 0.9), false},
		{"area within", "kind: person, min_area: 0.02, max_area: 0.04", person(0.5, 0.5, 0.9), true},
		{"other kind", "kind: smoke", person(0.5, 0.5, 0.9), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEngine(mustParse(t, oneRule(1, "name: r, "+tc.rule)))
			evs := e.Observe("c", t0, []detect.Detection{tc.det})
			if got := len(evs) == 1 && evs[0].State == Start; got != tc.want {
				t.Errorf("started = %v, want %v (%v)", got, tc.want, evs)
			}
		})
	}
}

// A camera without a block of its own uses "*"; with neither, nothing.
func TestDefaultBlock(t *testing.T) {
	e := NewEngine(mustParse(t, "site: s\nversion: 1\ncameras:\n  \"*\": {rules: [{name: f, kind: fire}]}\n  quiet: {}\n"))
	fire := []detect.Detection{{Kind: detect.Fire, Score: 0.8, Box: detect.Box{W: 1, H: 1}}}
	if evs := e.Observe("any-cam", t0, fire); len(evs) != 1 || evs[0].Camera != "any-cam" {
		t.Errorf("default block: %v", evs)
	}
	if evs := e.Observe("quiet", t0, fire); len(evs) != 0 {
		t.Errorf("a listed camera does not inherit from *: %v", evs)
	}
}

// Night rule in Shanghai: a person at 21:59 local is ignored, at 22:00
// it starts; the range wraps past midnight and stops at 06:00.
func TestActiveHoursInEngine(t *testing.T) {
	s := mustParse(t, "site: s\nversion: 1\ntimezone: Asia/Shanghai\ncameras:\n  c:\n    rules:\n      - {name: night, kind: person, active_hours: \"22:00-06:00\", end_after: 1m}\n")
	e := NewEngine(s)
	sh := s.Location()
	local := func(day int, hm string) time.Time {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", fmt.Sprintf("2025-06-%02d %s", day, hm), sh)
		return tm.UTC()
	}
	p := []detect.Detection{person(0.5, 0.5, 0.9)}
	if evs := e.Observe("c", local(1, "21:59"), p); len(evs) != 0 {
		t.Errorf("21:59: %v", evs)
	}
	evs := e.Observe("c", local(1, "22:00"), p)
	if len(evs) != 1 || evs[0].State != Start {
		t.Fatalf("22:00: %v", evs)
	}
	// Seen all night, a frame every 10s: one anomaly across midnight,
	// ending once 06:00 has passed by end_after (last match 05:59:50).
	for d := 10 * time.Second; d <= 9*time.Hour; d += 10 * time.Second {
		for _, ev := range e.Observe("c", local(1, "22:00").Add(d), p) {
			if ev.State != Update {
				evs = append(evs, ev)
			}
		}
	}
	if len(evs) != 2 || evs[1].State != End || evs[1].ID != evs[0].ID {
		t.Fatalf("want one start and one end, got %s", brief(evs))
	}
	if got := evs[1].FrameTime.In(sh).Format("15:04:05"); got != "06:00:50" {
		t.Errorf("ended at %s, want 06:00:50", got)
	}
}

// emptyHourSet has a motion, a person and a loitering rule on camera c.
const emptyHourSet = "site: s\nversion: 1\ncameras:\n  c:\n    rules:\n      - {name: m, kind: motion, min_area: 0.002}\n      - {name: p, kind: person, min_score: 0.5}\n      - name: loiter\n        kind: loitering\n        dwell: 30s\n        zone: {polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]}\n"

// hourFrames is an hour of frames at 10 fps.
const hourFrames = 36000

// noise is one frame of an empty scene: 0 to 3 specks of sensor noise, each
// 0.0001..0.0016 of the frame, below the motion rule's min_area.
func noise(rng *rand.Rand) []detect.Detection {
	var dets []detect.Detection
	for range rng.IntN(4) {
		w := 0.01 + rng.Float64()*0.03
		dets = append(dets, detect.Detection{Kind: detect.Motion, Score: 1, Box: detect.Box{X: rng.Float64() * 0.9, Y: rng.Float64() * 0.9, W: w, H: w * 0.5}})
	}
	return dets
}

// An hour of an empty scene at 10 fps: only noise motion below min_area.
// It must produce nothing; then one real movement must start an anomaly,
// so the silence was the rules' doing, not a dead engine. How fast the
// hour runs is BenchmarkEmptySceneHour's figure, not an assertion here.
func TestEmptySceneHour(t *testing.T) {
	e := NewEngine(mustParse(t, emptyHourSet))
	rng := rand.New(rand.NewPCG(1, 2))
	n, specks := 0, 0
	for i := range hourFrames {
		dets := noise(rng)
		specks += len(dets)
		now := at(time.Duration(i) * 100 * time.Millisecond)
		n += len(e.Observe("c", now, dets))
		n += len(e.Tick(now))
	}
	if n != 0 {
		t.Errorf("%d events from an empty scene", n)
	}
	if specks < hourFrames {
		t.Fatalf("only %d specks of noise in %d frames: the test fed too little", specks, hourFrames)
	}
	end := time.Duration(hourFrames) * 100 * time.Millisecond
	big := []detect.Detection{{Kind: detect.Motion, Score: 1, Box: detect.Box{X: 0.4, Y: 0.4, W: 0.1, H: 0.1}}}
	evs := feed(e, end, end+5*time.Second, 100*time.Millisecond, func(time.Duration) []detect.Detection { return big })
	if len(evs) == 0 || evs[0].State != Start || evs[0].Rule != "m" {
		t.Fatalf("a movement of 0.01 of the frame after the hour gave %s, want a start of rule m", brief(evs))
	}
}

// BenchmarkEmptySceneHour is the rules' cost of an hour of an empty scene
// at 10 fps (36,000 frames of noise through Observe and Tick).
func BenchmarkEmptySceneHour(b *testing.B) {
	set := mustParse(b, emptyHourSet)
	for b.Loop() {
		e := NewEngine(set)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range hourFrames {
			now := at(time.Duration(i) * 100 * time.Millisecond)
			e.Observe("c", now, noise(rng))
			e.Tick(now)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/hour")
}
