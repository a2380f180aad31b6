package drone

import (
	"testing"

	"github.com/argus-edge/argus/drivers/sim"
)

// Simulated: the demo fleet's drones become options New accepts.
func TestFromFleetDemo(t *testing.T) {
	f, err := sim.LoadFleet("../../../configs/sim-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts := FromFleet(f)
	if len(opts) != 2 {
		t.Fatalf("%d drones; want 2", len(opts))
	}
	if o := opts[0]; o.SystemID != 1 || o.Link != "udpc://127.0.0.1:14550" || o.Home.Lat != 22.5460 || o.Speed != 8 {
		t.Errorf("hillside drone %+v", o)
	}
	for _, o := range opts {
		if _, err := New(o); err != nil {
			t.Errorf("demo drone %s refused: %v", o.ID, err)
		}
	}
}
