package rules

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

func twoRules(version int, extra string) string {
	return fmt.Sprintf(`site: s
version: %d
cameras:
  c:
    rules:
      - {name: people, kind: person%s}
      - {name: fire, kind: fire}
`, version, extra)
}

// Synthetic: a person and a fire are both ongoing when version 2 arrives,
// which keeps the person rule (with a new filter) and removes the fire
// rule. The person anomaly continues under its id; the fire one ends.
func TestApplyKeepsSurvivingAnomalies(t *testing.T) {
	e := NewEngine(mustParse(t, twoRules(1, "")))
	scene := func(time.Duration) []detect.Detection {
		return []detect.Detection{person(0.5, 0.5, 0.9), {Kind: detect.Fire, Score: 0.7, Box: detect.Box{X: 0.1, Y: 0.1, W: 0.1, H: 0.1}}}
	}
	evs := feed(e, 0, 5*time.Second, time.Second, scene)
	if got := brief(evs); got != "start@0s start@0s" {
		t.Fatalf("before the swap: %s", got)
	}
	personID := evs[0].ID
	v2 := strings.Replace(twoRules(2, ", min_score: 0.5"), "      - {name: fire, kind: fire}\n", "", 1)
	swap, err := e.Apply(mustParse(t, v2), at(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(swap) != 1 || swap[0].State != End || swap[0].Rule != "fire" || swap[0].RuleVersion != 1 {
		t.Fatalf("swap events %+v", swap)
	}
	evs = feed(e, 5*time.Second, 12*time.Second, time.Second, scene) // no frame lost
	if len(evs) != 1 || evs[0].State != Update || evs[0].ID != personID || evs[0].RuleVersion != 2 {
		t.Fatalf("after the swap: %+v", evs)
	}
	// A stale version is refused, with the way to roll back; the running
	// set stays.
	_, err = e.Apply(mustParse(t, twoRules(2, "")), at(12*time.Second))
	if err == nil || !strings.Contains(err.Error(), "version 2 is not newer than the running version 2: to roll back, publish the old content with a version above 2") {
		t.Errorf("stale version: %v", err)
	}
	if e.Set().Version != 2 {
		t.Error("the running set changed")
	}
	// Kind changed under the same name: a different anomaly.
	swap, _ = e.Apply(mustParse(t, strings.Replace(twoRules(3, ""), "kind: person", "kind: vehicle", 1)), at(12*time.Second))
	if len(swap) != 1 || swap[0].ID != personID || swap[0].State != End {
		t.Errorf("kind change: %+v", swap)
	}
}

// Synthetic: the shadow set loosens min_score. Its events are flagged and
// have their own ids; the live events are exactly those of a runner
// without a shadow.
func TestShadow(t *testing.T) {
	live := mustParse(t, oneRule(1, "name: p, kind: person, min_score: 0.8"))
	shadow := mustParse(t, "shadow: true\n"+oneRule(1, "name: p, kind: person, min_score: 0.4"))
	scene := func(d time.Duration) []detect.Detection {
		score := 0.5
		if d >= 10*time.Second && d < 20*time.Second {
			score = 0.9
		}
		return []detect.Detection{person(0.5, 0.5, score)}
	}
	run := func(withShadow bool) (liveEvs, shadowEvs []Event) {
		r := NewRunner("s")
		if _, err := r.Apply(live, t0); err != nil {
			t.Fatal(err)
		}
		if withShadow {
			if _, err := r.Apply(shadow, t0); err != nil {
				t.Fatal(err)
			}
		}
		for d := time.Duration(0); d < 40*time.Second; d += 500 * time.Millisecond {
			var dets []detect.Detection
			if d < 30*time.Second {
				dets = scene(d)
			}
			for _, ev := range r.Observe("c", at(d), dets) {
				if ev.Shadow {
					shadowEvs = append(shadowEvs, ev)
				} else {
					liveEvs = append(liveEvs, ev)
				}
			}
		}
		return
	}
	alone, none := run(false)
	liveEvs, shadowEvs := run(true)
	if len(none) != 0 {
		t.Error("shadow events without a shadow set")
	}
	if !reflect.DeepEqual(alone, liveEvs) {
		t.Errorf("the shadow changed the live events:\n%s\n%s", brief(alone), brief(liveEvs))
	}
	if got := brief(liveEvs); got != "start@10s end@22.5s" {
		t.Errorf("live %s", got)
	}
	if got := brief(shadowEvs); got != "start@0s update@10s update@20s end@32.5s" {
		t.Errorf("shadow %s", got)
	}
	if !strings.HasSuffix(shadowEvs[0].ID, ".shadow") || shadowEvs[0].ID == liveEvs[0].ID {
		t.Errorf("shadow id %s", shadowEvs[0].ID)
	}
}

func TestRunnerRouting(t *testing.T) {
	r := NewRunner("s")
	if evs := r.Observe("c", t0, []detect.Detection{person(0.5, 0.5, 0.9)}); evs != nil || r.Detectors("c") != nil {
		t.Error("a runner without a set produced something")
	}
	if _, err := r.Apply(mustParse(t, strings.Replace(oneRule(1, "name: p, kind: person"), "site: s", "site: other", 1)), t0); err == nil {
		t.Error("a set of another site was taken")
	}
	r.Apply(mustParse(t, oneRule(3, "name: p, kind: person")), t0)
	r.Apply(mustParse(t, "shadow: true\n"+oneRule(1, "name: p, kind: person")), t0)
	// Shadow and live versions are compared each within their mode.
	if _, err := r.Apply(mustParse(t, "shadow: true\n"+oneRule(2, "name: p, kind: person")), t0); err != nil {
		t.Error(err)
	}
	if r.Live().Version != 3 || r.Shadow().Version != 2 {
		t.Errorf("live v%d, shadow v%d", r.Live().Version, r.Shadow().Version)
	}
	evs := r.Observe("c", t0, []detect.Detection{person(0.5, 0.5, 0.9)})
	if len(evs) != 2 || evs[0].Shadow || !evs[1].Shadow {
		t.Fatalf("events %+v", evs)
	}
	if ends := r.DropShadow(at(time.Second)); len(ends) != 1 || !ends[0].Shadow || ends[0].State != End || r.Shadow() != nil {
		t.Errorf("DropShadow: %+v", ends)
	}
	r.Tick(at(8 * time.Second)) // the first tick without frames only notes the absence
	if ends := r.Tick(at(10 * time.Second)); len(ends) != 1 || ends[0].Shadow {
		t.Errorf("Tick: %+v", ends)
	}
}
