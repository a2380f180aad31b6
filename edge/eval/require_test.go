package eval

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestRequirements parses thresholds and checks them against scores: a
// figure that is not there fails only a requirement naming its kind.
func TestRequirements(t *testing.T) {
	reqs, err := ParseRequirements(" recall>=0.95, false_per_hour<=1,fire.tta_p90<=10 ,smoke.recall>=0.9")
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 4 || reqs[2].Kind != "fire" || reqs[2].Metric != "tta_p90" || reqs[2].Op != "<=" || reqs[2].Value != 10 {
		t.Fatalf("parsed %v", reqs)
	}
	fire := KindScore{Kind: "fire", Events: 20, Caught: 19, Recall: 0.95, NegativeHours: 2, FalseAlerts: 3,
		TimeToAlert: []time.Duration{2 * time.Second, 12 * time.Second}}
	smoke := KindScore{Kind: "smoke", Recall: math.NaN(), NegativeHours: 10}
	fails := Check(reqs, []KindScore{fire, smoke})
	want := []string{
		"false_per_hour<=1: fire false_per_hour is 1.5",
		"fire.tta_p90<=10: fire tta_p90 is 12",
		"smoke.recall>=0.9: smoke has no recall on this footage",
	}
	if strings.Join(fails, "\n") != strings.Join(want, "\n") {
		t.Fatalf("fails:\n%s\nwant:\n%s", strings.Join(fails, "\n"), strings.Join(want, "\n"))
	}
	if fails := Check([]Requirement{{Kind: "person", Metric: "recall", Op: ">=", Value: 1}}, []KindScore{fire}); len(fails) != 1 ||
		!strings.Contains(fails[0], "no clip judges person") {
		t.Fatalf("a requirement on a kind no clip judges: %v", fails)
	}
	for _, bad := range []string{"recall>0.9", "recal>=1", "recall>=x", "recall>=NaN"} {
		if _, err := ParseRequirements(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
