package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/edge/detect"
)

var registered = []string{"fire", "health", "motion", "objects", "smoke"}

// example is the full example document, kept with the document tests.
const example = "../../configs/ruleset/testdata/riverside.yaml"

// The example compiles with its defaults applied; the document tests
// (problems, messages, topics, files) are configs/ruleset's.
func TestParseExample(t *testing.T) {
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(example, data, registered)
	if err != nil {
		t.Fatal(err)
	}
	if s.Site != "riverside" || s.Version != 7 || s.Location().String() != "Asia/Shanghai" {
		t.Errorf("set %s v%d in %s", s.Site, s.Version, s.Location())
	}
	walk := s.Detectors("riverside-walk")
	if m := walk["motion"]; m.Threshold != 25 || m.MinArea != 0.002 || len(m.Masks) != 1 || m.Masks[0][2] != (detect.Point{X: 1, Y: 0.08}) || m.Camera != "riverside-walk" {
		t.Errorf("motion settings %+v", m)
	}
	if o := walk["objects"]; o.Model != "yolox-nano" || o.MinScore != 0.5 {
		t.Errorf("objects settings %+v", o)
	}
	if _, ok := walk["fire"]; !ok || len(walk) != 3 {
		t.Errorf("riverside-walk runs %v", walk)
	}
	// A camera not listed gets the "*" block, and not the listed ones'.
	if other := s.Detectors("riverside-empty"); len(other) != 2 || other["health"].Camera != "riverside-empty" {
		t.Errorf("riverside-empty runs %v", other)
	}
	p := s.block("riverside-walk").rule("embankment-night")
	if p.endAfter != DefaultEndAfter || p.updateEvery != DefaultUpdateEvery || p.zoneName != "embankment" || len(p.hours) != 1 {
		t.Errorf("defaults not applied: %+v", p)
	}
	if g := s.block("riverside-walk").rule("gate-in"); g.zoneName != "gate" || g.line.dir != 1 || g.severity != DefaultSeverity {
		t.Errorf("gate-in compiled as %+v", g)
	}
}

// The edge's entry points are configs/ruleset's, compiled: problems pass
// through unchanged and the set carries its source.
func TestParseEntryPoints(t *testing.T) {
	live := Topic("riverside", false)
	s, err := ParseMessage(live, []byte(`{"site": "riverside", "version": 8, "cameras": {"*": {"rules": [{"name": "fire", "kind": "fire"}]}}}`), registered)
	if err != nil || s.Version != 8 || s.Source() != "mqtt:"+live || s.block("any").rule("fire").severity != DefaultSeverity {
		t.Fatalf("ParseMessage = %+v, %v", s, err)
	}
	_, err = ParseMessage(live, []byte(`{"site": "riverside", "version": 9, "cameras": {"c": {"rules": [{"name": "f", "kind": "fyre"}]}}}`), registered)
	var pe *strict.Error
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), `cameras.c.rules[0].kind: "fyre" is not a kind`) {
		t.Errorf("got %v", err)
	}
	if _, err := ParseMessage(Topic("riverside", true), nil, registered); !errors.Is(err, ErrCleared) {
		t.Errorf("empty payload: %v", err)
	}
	dir := t.TempDir()
	data, _ := os.ReadFile(example)
	if err := os.WriteFile(filepath.Join(dir, "riverside.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sets, err := LoadDir(dir, registered)
	if err != nil || sets["riverside"].Detectors("riverside-walk")["objects"].Model != "yolox-nano" {
		t.Fatalf("LoadDir = %v, %v", sets, err)
	}
}
