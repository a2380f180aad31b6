package configs

import (
	"errors"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse checks that no input makes Parse panic, that what Parse accepts
// also passes Validate, and that what it refuses is an *Error.
func FuzzParse(f *testing.F) {
	for _, seed := range demoSeeds(f) {
		f.Add(seed)
	}
	f.Add([]byte(base))
	f.Add([]byte(droneBase))
	f.Add([]byte(cam("location: &l {lat: 1, lon: 2}", "<<: {transport: udp}")))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("edge: {id: e}\ncameras:\n  - &c {id: c}\n  - <<: [*c, *c]\n"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse("f.yaml", data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error %v (%T) is not an *Error with problems", err, err)
			}
			if e != nil {
				t.Fatal("config returned with an error")
			}
			return
		}
		if verr := e.Validate(); verr != nil {
			t.Fatalf("Parse accepted a config that Validate refuses: %v", verr)
		}
	})
}

// demoSeeds cuts the demo into one small document per camera and one per
// drone, without comments. Small seeds keep the fuzzer fuzzing: when a
// mutation finds new coverage it is minimized, and minimizing the whole
// commented demo takes longer than a 30 s fuzz run.
func demoSeeds(f *testing.F) [][]byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(Demo, &doc); err != nil {
		f.Fatal(err)
	}
	dropComments(&doc)
	root := doc.Content[0]
	lists := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		lists[root.Content[i].Value] = root.Content[i+1]
	}
	cams, drones := lists["cameras"], lists["drones"]
	allCams, allDrones := cams.Content, drones.Content
	var seeds [][]byte
	add := func() {
		out, err := yaml.Marshal(&doc)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, out)
	}
	drones.Content = nil
	for _, c := range allCams {
		cams.Content = []*yaml.Node{c}
		add()
	}
	cams.Content = nil
	for _, d := range allDrones {
		drones.Content = []*yaml.Node{d}
		add()
	}
	cams.Content, drones.Content = allCams, allDrones
	return seeds
}

func dropComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		dropComments(c)
	}
}
