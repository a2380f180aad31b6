package fleet

import (
	"testing"

	"github.com/argus-edge/argus/drivers/bus"
)

func TestFilter(t *testing.T) {
	f := NewFilter()
	f.Observe("a", 5, Assignment{Edge: "a", Cameras: []string{"c1", "c2"}, Drones: []string{"d1"}})
	f.Observe("a", 9, Assignment{Edge: "a", Cameras: []string{"c1"}, Drones: []string{"d1"}}) // c2 leaves a
	f.Observe("b", 10, Assignment{Edge: "b", Cameras: []string{"c2"}})                        // and goes to b
	f.Observe("a", 12, Assignment{Edge: "a", Cameras: []string{"c1", "c3"}, Drones: []string{"d1"}})
	for _, tc := range []struct {
		name, id, edge string
		epoch          uint64
		want           bool
	}{
		{"owner, epoch it got it at", "c1", "a", 5, true},
		{"owner, later epoch", "c1", "a", 12, true},
		{"owner, epoch before it got it", "c1", "a", 4, false},
		{"old owner after the move", "c2", "a", 5, false},
		{"new owner", "c2", "b", 10, true},
		{"new owner, an epoch of its own older than the move", "c2", "b", 9, false},
		{"a drone", "d1", "a", 9, true},
		{"a camera added later, message from before", "c3", "a", 9, false},
		{"unknown camera", "c9", "a", 12, false},
		{"no epoch (standalone edge)", "c1", "a", 0, false},
	} {
		if got := f.Accept(tc.id, tc.edge, bus.Owner{Epoch: tc.epoch}); got != tc.want {
			t.Errorf("%s: Accept(%s, %s, %d) = %v", tc.name, tc.id, tc.edge, tc.epoch, got)
		}
	}
	// The key of a is deleted: nothing of a passes any more.
	f.Observe("a", 13, Assignment{})
	if f.Accept("c1", "a", bus.Owner{Epoch: 13}) {
		t.Error("accepted a message for a camera of an edge whose key is gone")
	}
	if e, since, ok := f.Owner("c2"); !ok || e != "b" || since != 10 {
		t.Errorf("Owner(c2) = %s %d %v", e, since, ok)
	}
	// Returning to a: a new ownership starts; messages of the old one are stale.
	f.Observe("a", 20, Assignment{Cameras: []string{"c1"}})
	if f.Accept("c1", "a", bus.Owner{Epoch: 12}) || !f.Accept("c1", "a", bus.Owner{Epoch: 20}) {
		t.Error("a returning ownership does not start at its epoch")
	}
}
