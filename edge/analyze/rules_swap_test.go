package analyze

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/rules"
)

// TestRulesChangeWhileFramesFlow runs the simulator's fire scene (ffmpeg-
// encoded, with ground truth) through a camera's analysis and, while the
// fire burns, applies a new version of the hillside rules, then invalid
// ones. The new version takes over the ongoing anomaly under the same id
// with no frame missed. Of the invalid ones, a document that fails
// validation is refused by the parser with file, line and field (the edge
// parses before it offers a set to the runner, so such a set never reaches
// it); a set that parses but is not newer than the running version — v1
// again, its fire rule lowered to severity low — is offered to the running
// runner, which refuses it with the reason, and the fire keeps alerting
// under version 2, critical.
func TestRulesChangeWhileFramesFlow(t *testing.T) {
	sc := scene(t, sim.SceneSpec{Kind: sim.Fire, Width: 1280, Height: 720})
	path := filepath.Join(repoRoot(), "configs", "rules", "hillside.yaml")
	v1, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	runner := siteRules(t, "hillside")
	rec := &recorder{}
	w := testWorker(t, Camera{ID: "hillside-fire", Site: "hillside"}, runner, rec, "")
	start := time.Unix(1_800_000_000, 0)
	var swapped, refused bool
	var analysedAtSwap uint64
	var swapAt, refusedAt time.Duration
	for u := range sc.Replay(start, sc.Loop()) {
		at := u.NTP.Sub(start)
		if !swapped && fireStarted(rec) {
			// v2: the same rules, fire now critical after 1 s
			v2 := strings.Replace(strings.Replace(string(v1), "version: 1", "version: 2", 1), "min_duration: 2s, end_after: 5s, update_every: 5s", "min_duration: 1s, end_after: 5s, update_every: 2s", 1)
			set, err := rules.Parse("hillside.yaml", []byte(v2), detect.Names())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runner.Apply(set, u.NTP); err != nil {
				t.Fatal(err)
			}
			swapped, analysedAtSwap, swapAt = true, w.analysed.Load(), at
			t.Logf("version 2 applied at %s of the loop", at)
		}
		if swapped && !refused && at > 15*time.Second {
			bad := strings.Replace(string(v1), "version: 1", "version: 3", 1) + "      - {name: oops, kind: fire, severity: apocalyptic}\n"
			_, err := rules.Parse("hillside.yaml", []byte(bad), detect.Names())
			if err == nil || !strings.Contains(err.Error(), "severity") || !strings.Contains(err.Error(), "hillside.yaml:") {
				t.Fatalf("invalid rules: %v, want a refusal naming file, line and severity", err)
			}
			stale, err := rules.Parse("hillside.yaml", []byte(strings.Replace(string(v1), "update_every: 5s, severity: critical", "update_every: 5s, severity: low", 1)), detect.Names())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := runner.Apply(stale, u.NTP); err == nil || !strings.Contains(err.Error(), "version 1 is not newer than the running version 2") {
				t.Fatalf("the running runner took a stale version: %v, want a refusal saying why", err)
			}
			if live := runner.Live(); live.Version != 2 {
				t.Fatalf("running version %d after the refusal, want 2", live.Version)
			}
			refused, refusedAt = true, at
			t.Logf("invalid versions refused at %s of the loop", at)
		}
		w.unit(u)
	}
	if !swapped || !refused {
		t.Fatalf("fire never started (swapped %v)", swapped)
	}
	// the fire anomaly went on under one id across the swap, and its later
	// events carry version 2
	var id string
	versions := map[int]int{}
	var last time.Time
	afterRefusal := 0
	for _, a := range rec.anomalies() {
		if a.Kind != bus.KindFire {
			continue
		}
		if id == "" {
			id = a.ID
		}
		if a.ID != id && a.State != bus.StateEnd {
			t.Fatalf("fire anomaly changed id across the swap: %s then %s", id, a.ID)
		}
		versions[a.RuleVersion]++
		last = a.FrameTime.Time
		if last.Sub(start) > refusedAt {
			afterRefusal++
			if a.RuleVersion != 2 || a.Severity != "critical" {
				t.Fatalf("fire %s after the refusal: version %d, %s; want version 2's critical", a.State, a.RuleVersion, a.Severity)
			}
		}
	}
	if versions[1] == 0 || versions[2] < 2 {
		t.Fatalf("fire events per rule version %v, want version 1 then several of version 2", versions)
	}
	if afterRefusal == 0 {
		t.Fatalf("no fire event after the refused changes at %s (last at %s)", refusedAt, last.Sub(start))
	}
	// no frame gap: analysis went on at the active rate (5 fps) after the
	// swap, every due frame analysed
	after := w.analysed.Load() - analysedAtSwap
	want := uint64((sc.Loop()-swapAt).Seconds()*5) - 1
	if after < want {
		t.Fatalf("%d frames analysed in the %s after the swap, want at least %d", after, sc.Loop()-swapAt, want)
	}
}

func fireStarted(r *recorder) bool {
	for _, a := range r.anomalies() {
		if a.Kind == bus.KindFire && a.State == bus.StateStart {
			return true
		}
	}
	return false
}
