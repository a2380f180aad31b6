package strict

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type point [2]float64

type zone struct {
	Name    string  `yaml:"name"`
	Polygon []point `yaml:"polygon"`
}

type doc struct {
	Version int                `yaml:"version"`
	Wait    Duration           `yaml:"wait"`
	Zones   map[string]zone    `yaml:"zones"`
	Knobs   map[string]float64 `yaml:"knobs"`
	Flag    *bool              `yaml:"flag"`
}

func problems(t *testing.T, err error) []Problem {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return e.Problems
}

func TestDecodeMapsAndArrays(t *testing.T) {
	src := `version: 3
wait: 1500ms
zones:
  gate: {name: g, polygon: [[0, 0], [1, 0], [1, 1]]}
  "*": {name: any}
  empty:
knobs: {a: 1.5}
`
	var d doc
	ps := Decode("d.yaml", []byte(src), &d)
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	if d.Version != 3 || d.Wait.D() != 1500*time.Millisecond || d.Knobs["a"] != 1.5 {
		t.Errorf("decoded %+v", d)
	}
	if g := d.Zones["gate"]; g.Name != "g" || len(g.Polygon) != 3 || g.Polygon[1] != (point{1, 0}) {
		t.Errorf("gate = %+v", g)
	}
	if _, ok := d.Zones["empty"]; !ok || len(d.Zones) != 3 {
		t.Errorf("a key with a null value must be present: %+v", d.Zones)
	}
	if !ps.Written("zones.gate.name") || ps.Written("zones.empty") || ps.Written("flag") {
		t.Error("Written disagrees with the document")
	}
	if l := ps.Line("zones.gate.polygon[2]"); l != 4 {
		t.Errorf("line of zones.gate.polygon[2] = %d, want 4", l)
	}
}

func TestDecodeProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		field, msg string
	}{
		{"array too short", "zones: {a: {polygon: [[0, 0], [1]]}}\n", 1, "zones.a.polygon[1]", "expected a list of 2, found 1 items"},
		{"duplicate map key", "zones:\n  a: {}\n  a: {}\n", 3, "zones.a", "duplicate key"},
		{"unknown field in map value", "zones:\n  a: {nam: x}\n", 2, "zones.a.nam", "did you mean name?"},
		{"map key not a name", "knobs:\n  [a]: 1\n", 2, "knobs", "keys must be plain names"},
		{"bad map value", "knobs:\n  a: lots\n", 2, "knobs.a", `"lots" is not a number`},
		{"bad duration", "wait: 10\n", 1, "wait", "is not a duration"},
		{"second document", "version: 1\n---\nversion: 2\n", 2, "", "write one rule set per file"},
		{"not a mapping", "[1]\n", 1, "", "the document must be a mapping with version"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Decode("d.yaml", []byte(tc.yaml), &d, Root("a mapping with version"), Unit("rule set")).Err()
			for _, p := range problems(t, err) {
				if p.Line == tc.line && p.Field == tc.field && strings.Contains(p.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("want d.yaml:%d: %s: %s, got\n%v", tc.line, tc.field, tc.msg, err)
		})
	}
}

// Validators add problems by field path and get the field's line; under a
// field that failed to decode they add nothing, since the mistake is
// already reported.
func TestValidatorProblems(t *testing.T) {
	var d doc
	ps := Decode("d.yaml", []byte("version: 0\nwait: soon\nzones:\n  a: {name: x}\n"), &d)
	ps.Add("version", "must be more than 0")
	ps.Add("wait", "must be more than 0")
	ps.Addf("zones.a.polygon", "needs %d points", 3)
	ps.Add("missing", "is required")
	want := []string{
		"d.yaml:1: version: must be more than 0",
		"d.yaml:1: missing: is required", // not written: the root's line
		`d.yaml:2: wait: "soon" is not a duration: write a number with a unit, like 500ms, 5s or 1m`,
		"d.yaml:4: zones.a.polygon: needs 3 points",
	}
	if got := ps.Err().Error(); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if !ps.Failed("wait") || ps.Failed("version") || ps.Failed("") {
		t.Error("Failed disagrees")
	}
}

func TestDecodeUnreadable(t *testing.T) {
	var d doc
	ps := Decode("d.yaml", []byte("version: [\n"), &d)
	if !ps.Failed("") || ps.Err() == nil {
		t.Fatal("a syntax error must fail the document")
	}
	ps.Add("version", "is required") // dropped: the document was not read
	if len(problems(t, ps.Err())) != 1 {
		t.Errorf("got %v", ps.Err())
	}
}
