package ruleset

import (
	"errors"
	"os"
	"testing"

	"github.com/argus-edge/argus/configs/strict"
)

// FuzzParse checks that no input makes Parse panic, that what it refuses
// is a *strict.Error with problems, and that SetStage on what it accepts
// either refuses plainly or changes only shadow and version.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/riverside.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("site: s\nversion: 1\ncameras: {c: {rules: [{name: p, kind: person, min_duration: 1s, active_hours: '22:00-06:00'}]}}\n"))
	f.Add([]byte(`{"site": "s", "version": 2, "shadow": true, "cameras": {"*": {"detectors": {"motion": {"masks": [[[0,0],[1,0],[1,1]]]}}}}}`))
	f.Add([]byte("site: s\nversion: 1\ncameras: {c: &c {rules: []}, d: *c, e: {<<: *c}}\n"))
	f.Add([]byte("<<: {site: s, version: 3}\nshadow: true\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("f.yaml", data, registered)
		if err != nil {
			var pe *strict.Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error %v (%T) is not a *strict.Error with problems", err, err)
			}
			if d != nil {
				t.Fatal("document returned with an error")
			}
			return
		}
		out, err := SetStage(data, !d.Shadow, d.Version+1)
		if err != nil {
			return // refused with a reason: values written with anchors, quotes…
		}
		checkStaged(t, "f.yaml", data, out, !d.Shadow, d.Version+1)
	})
}
