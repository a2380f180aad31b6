package rules_test

import (
	"fmt"
	"time"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/rules"
)

// A fire rule on every camera of a site, fed synthetic detections: a fire
// seen for 4 s starts an anomaly after min_duration and ends 3 s after the
// last sighting.
func Example() {
	set, err := rules.Parse("riverside.yaml", []byte(`
site: riverside
version: 1
cameras:
  "*":
    detectors: {fire: {min_score: 0.3}}
    rules:
      - {name: fire, kind: fire, min_duration: 2s, severity: critical}
`), []string{"fire", "motion", "objects"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(set.Detectors("bridge")["fire"].MinScore)

	r := rules.NewRunner("riverside")
	r.Apply(set, time.Time{})
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	fire := []detect.Detection{{Kind: detect.Fire, Score: 0.8, Box: detect.Box{X: 0.4, Y: 0.5, W: 0.2, H: 0.3}}}
	for s := range 10 {
		var dets []detect.Detection
		if s < 4 {
			dets = fire
		}
		for _, ev := range r.Observe("bridge", t0.Add(time.Duration(s)*time.Second), dets) {
			fmt.Println(ev.State, ev.ID, ev.Kind, ev.Severity, ev.Score, ev.FrameTime.Sub(t0))
		}
	}
	// Output:
	// 0.3
	// start bridge.fire.1748779202000 fire critical 0.8 2s
	// end bridge.fire.1748779202000 fire critical 0.8 6s
}

func ExampleParse_problems() {
	_, err := rules.Parse("riverside.yaml", []byte(`site: riverside
cameras:
  gate:
    rules:
      - name: fence
        kind: intrusion
        zone: {polygon: [[0, 0], [1.5, 0]]}
        cooldwn: 1m
`), nil)
	fmt.Println(err)
	// Output:
	// riverside.yaml:1: version: is required: a number that grows with every publication of the site's rules
	// riverside.yaml:7: cameras.gate.rules[0].zone.polygon[1]: [1.5, 0] is outside the picture: coordinates are fractions 0..1 from the top left
	// riverside.yaml:7: cameras.gate.rules[0].zone.polygon: a polygon needs at least 3 points [x, y], found 2
	// riverside.yaml:8: cameras.gate.rules[0].cooldwn: unknown field (did you mean cooldown?)
}
