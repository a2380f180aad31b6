package rules

import (
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

// Synthetic: the shadow set's detector settings are its own
// (ShadowDetectors), and ObserveSplit judges each set on its own
// detections: a fire only the shadow's detectors saw starts a shadow
// anomaly and no live one, and the reverse.
func TestObserveSplit(t *testing.T) {
	const doc = "cameras:\n  c:\n    detectors: {fire: {min_area: %s}}\n    rules: [{name: f, kind: fire}]\n"
	runner := func(t *testing.T) *Runner {
		r := NewRunner("s")
		if r.ShadowDetectors("c") != nil {
			t.Error("shadow detectors without a shadow set")
		}
		for _, text := range []string{"site: s\nversion: 1\n" + fmt.Sprintf(doc, "0.5"), "site: s\nversion: 1\nshadow: true\n" + fmt.Sprintf(doc, "0.01")} {
			if _, err := r.Apply(mustParse(t, text), t0); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	r := runner(t)
	if live, shad := r.Detectors("c")["fire"].MinArea, r.ShadowDetectors("c")["fire"].MinArea; live != 0.5 || shad != 0.01 {
		t.Fatalf("fire min_area: live %v, shadow %v", live, shad)
	}
	fire := []detect.Detection{{Kind: detect.Fire, Score: 0.9, Box: detect.Box{X: 0.1, Y: 0.1, W: 0.1, H: 0.1}}}
	cases := []struct {
		name         string
		live, shadow Seen
		wantShadow   bool
	}{
		{"shadow only", Seen{}, Seen{Dets: fire}, true},
		{"live only", Seen{Dets: fire}, Seen{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runner(t)
			evs := r.ObserveSplit("c", t0, c.live, c.shadow)
			if len(evs) != 1 || evs[0].State != Start || evs[0].Shadow != c.wantShadow {
				t.Fatalf("events %+v, want one start with shadow %v", evs, c.wantShadow)
			}
		})
	}
	// Kinds not looked for are not judged: an unseen fire keeps nothing going
	// and ends nothing either.
	if evs := r.ObserveSplit("c", at(5*time.Minute), Seen{Unseen: []string{detect.Fire}}, Seen{Unseen: []string{detect.Fire}}); evs != nil {
		t.Errorf("unseen kinds judged: %+v", evs)
	}
}
