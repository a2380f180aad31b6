package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// A rule set whose block lists objects without motion validates (the edge
// implies motion) and the answer carries the note, with the line of the
// block's detectors; the demo set as it is has none.
func TestRulesValidateNotes(t *testing.T) {
	e := newEnv(t)
	op := e.login("river-op")
	doc := ruleDoc(t, "riverside", 2)
	noMotion := strings.Replace(doc, "      motion: {threshold: 25, min_area: 0.002}\n", "", 1)
	if noMotion == doc {
		t.Fatal("configs/rules/riverside.yaml has no motion line to take out")
	}
	type answer struct {
		Version int
		Notes   []problem
	}
	for _, c := range []struct {
		name, doc string
		notes     int
	}{{"as it is", doc, 0}, {"without motion", noMotion, 1}} {
		resp, b := e.do("POST", "/api/sites/riverside/rules/validate", op, c.doc)
		var a answer
		if err := json.Unmarshal(b, &a); err != nil || resp.StatusCode != 200 || a.Version != 2 {
			t.Fatalf("%s: %d %s", c.name, resp.StatusCode, b)
		}
		if len(a.Notes) != c.notes {
			t.Fatalf("%s: notes %+v, want %d", c.name, a.Notes, c.notes)
		}
		if c.notes == 1 {
			n := a.Notes[0]
			if n.Line != 11 || n.Field != "cameras.*.detectors" || !strings.Contains(n.Message, "objects run only where motion is seen") {
				t.Errorf("note %+v, want line 11, the \"*\" block's detectors, objects needing motion", n)
			}
		}
	}
}
