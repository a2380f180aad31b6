package rules

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/edge/detect"
)

// FuzzParse checks that no input makes Parse panic, that what it refuses
// is a *strict.Error with problems, and that what it accepts compiles and
// runs in an engine (synthetic detections) without panicking. The
// document side alone is fuzzed by configs/ruleset's FuzzParse.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(example); err == nil {
		f.Add(data)
	}
	f.Add([]byte(oneRule(1, "name: p, kind: person, min_duration: 1s, active_hours: '22:00-06:00'")))
	f.Add([]byte(oneRule(1, "name: l, kind: loitering, dwell: 2s, zone: {polygon: [[0,0],[1,0],[1,1]]}")))
	f.Add([]byte(oneRule(1, "name: x, kind: line_crossing, line: {from: [0.5, 1], to: [0.5, 0], direction: left_to_right}")))
	f.Add([]byte(`{"site": "s", "version": 2, "shadow": true, "cameras": {"*": {"detectors": {"motion": {"masks": [[[0,0],[1,0],[1,1]]]}}}}}`))
	f.Add([]byte("site: s\nversion: 1\ncameras: {c: &c {rules: []}, d: *c, e: {<<: *c}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data, registered)
		if err != nil {
			var pe *strict.Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error %v (%T) is not a *strict.Error with problems", err, err)
			}
			if s != nil {
				t.Fatal("set returned with an error")
			}
			return
		}
		e := NewEngine(s)
		for cam := range s.Cameras {
			s.Detectors(cam)
			for i := range 4 {
				e.Observe(cam, t0.Add(time.Duration(i)*time.Second), []detect.Detection{
					person(0.2+0.2*float64(i), 0.7, 0.9), {Kind: detect.Fire, Score: 0.5, Box: detect.Box{X: 0.4, Y: 0.4, W: 0.2, H: 0.2}}})
			}
		}
		e.Tick(t0.Add(time.Hour))
	})
}
