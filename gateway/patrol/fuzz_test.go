package patrol

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
)

// refuser is a Commander that never reaches an edge: the fuzz target
// needs no broker (nothing connects: Run is never called).
type refuser struct{}

func (refuser) Command(context.Context, string, bus.Command) (bus.Reply, error) {
	return bus.Reply{}, context.DeadlineExceeded
}

// Whatever arrives on a drone's topics, the service neither panics nor
// keeps a drone it cannot command or draw: every drone kept has a valid
// site and edge and a position on the globe, and can be viewed, planned
// and checked.
func FuzzDroneMessages(f *testing.F) {
	good, _ := json.Marshal(idle("d1", "hillside"))
	prog, _ := json.Marshal(bus.PatrolProgress{ID: "p-1", Drone: "d1", Site: "hillside", State: bus.PatrolWaypoint, Waypoint: 2, Of: 3})
	for _, seed := range [][]byte{good, prog, nil, []byte(`{}`), []byte(`{"drone":"d1","site":"hillside","edge":"e","position":{"lat":1e308,"lon":-1e308}}`),
		[]byte(`{"id":"p","state":"returning","drone":"d1"}`), []byte(`[`), []byte(`{"drone":"d1","site":"","edge":"e"}`)} {
		f.Add(seed)
	}
	svc, err := New(Options{Broker: "tcp://127.0.0.1:1", Commands: refuser{}, Sites: map[string]*airspace.Site{"hillside": testSite("hillside", true)}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		_ = svc.telemetry("d1", payload)
		_ = svc.progress("d1", payload)
		for _, v := range svc.Drones(func(string) bool { return true }) {
			if bus.ValidID(v.Site) != nil || bus.ValidID(v.Edge) != nil {
				t.Fatalf("kept a drone with site %q edge %q", v.Site, v.Edge)
			}
			if p := v.Position; p != nil && !onGlobe(p.Lat, p.Lon) {
				t.Fatalf("kept a position off the globe: %+v", p)
			}
			svc.Plan(v.Site)
			svc.Preflight(pilot, v.ID, "ridge")
		}
	})
}
