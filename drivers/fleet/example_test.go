package fleet_test

import (
	"fmt"

	"github.com/argus-edge/argus/drivers/fleet"
)

// Place keeps what it can: when an edge dies only its cameras move, and a
// pinned camera stays beside its dock.
func ExamplePlace() {
	cams := []fleet.Unit{
		{ID: "gate", Site: "north"}, {ID: "yard", Site: "north"}, {ID: "dock", Site: "north", Pin: "edge-b"},
		{ID: "hall", Site: "south"}, {ID: "roof", Site: "south"}, {ID: "lane", Site: "south"},
	}
	edges := []fleet.Node{{ID: "edge-a"}, {ID: "edge-b"}, {ID: "edge-c"}}
	before := fleet.Place(cams, edges, nil)
	after := fleet.Place(cams, edges[:2], before) // edge-c is gone
	moved := 0
	for id, e := range before {
		if after[id] != e {
			moved++
			if e != "edge-c" {
				fmt.Println("moved from a live edge:", id)
			}
		}
	}
	fmt.Println("dock on", after["dock"])
	fmt.Println("moved only edge-c's:", moved == countOn(before, "edge-c"))
	// Output:
	// dock on edge-b
	// moved only edge-c's: true
}

func countOn(p fleet.Placement, edge string) int {
	n := 0
	for _, e := range p {
		if e == edge {
			n++
		}
	}
	return n
}
