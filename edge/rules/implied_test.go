package rules

import (
	"os"
	"reflect"
	"testing"

	"github.com/argus-edge/argus/edge/detect"
)

// TestImpliedMotionRuns: a block with fire and smoke but no motion runs
// motion too, with its default settings (the zero Settings), so that the
// camera leaves idle and fire and smoke run; a block with its own motion
// keeps its settings.
func TestImpliedMotionRuns(t *testing.T) {
	const path = "../../configs/ruleset/testdata/implied/hillside.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(path, data, registered)
	if err != nil {
		t.Fatal(err)
	}
	ds := s.Detectors("hillside-ridge") // the "*" block
	m, ok := ds["motion"]
	if !ok || len(ds) != 4 {
		t.Fatalf("detectors %v: want fire, smoke, health and the implied motion", ds)
	}
	if !reflect.DeepEqual(m, detect.Settings{Camera: "hillside-ridge"}) {
		t.Errorf("implied motion settings %+v, want the defaults", m)
	}
	if g := s.Detectors("hillside-gate")["motion"]; g.Threshold != 20 {
		t.Errorf("a block's own motion settings %+v", g)
	}
	if len(s.Notes()) != 1 {
		t.Errorf("notes %v, want the one of the \"*\" block", s.Notes())
	}
}
