package ruleset_test

import (
	"fmt"

	"github.com/argus-edge/argus/configs/ruleset"
)

func ExampleParse_problems() {
	_, err := ruleset.Parse("riverside.yaml", []byte(`site: riverside
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

// Publishing a document as the live set under a new version: only the two
// values change, the comments stay.
func ExampleSetStage() {
	out, err := ruleset.SetStage([]byte(`# riverside, tried as a shadow first
site: riverside
version: 7   # grows with every publication
shadow: true
cameras: {}
`), false, 9)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(out))
	// Output:
	// # riverside, tried as a shadow first
	// site: riverside
	// version: 9   # grows with every publication
	// shadow: false
	// cameras: {}
}
