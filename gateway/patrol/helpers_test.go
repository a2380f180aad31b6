package patrol

import (
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/peers/droneedge"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/store"
)

// Real in these tests: mosquitto, the service's paho client, the
// directory's command channel, airspace's checks and the SQLite store of
// the audit. SIMULATED: the edge (droneedge.Edge answers commands and
// reports progress as an edge would; no MAVLink, no vehicle) and the clock
// where a test moves it.

// The airspace and the drones standing in it are drivers/peers/droneedge's.
var (
	testSite = droneedge.Site
	idle     = droneedge.Idle
	home     = droneedge.Home
)

var (
	pilot     = access.Principal{Name: "hill-pilot", Role: store.RolePilot, Sites: []string{"hillside"}}
	commander = access.Principal{Name: "hill-cmd", Role: store.RoleCommander, Sites: []string{"hillside"}}
	outsider  = access.Principal{Name: "river-pilot", Role: store.RolePilot, Sites: []string{"riverside"}}
)

type rig struct {
	t      *testing.T
	broker *peers.Broker
	svc    *Service
	edge   *droneedge.Edge
	events chan Event
	st     store.Store
}

// newRig runs a directory and the service on a fresh mosquitto with the
// sites' airspaces, and a simulated edge "edge-a".
func newRig(t *testing.T, sites map[string]*airspace.Site, tune ...func(*Options)) *rig {
	t.Helper()
	b := peers.Mosquitto(t)
	st, err := store.OpenSQLite(t.TempDir() + "/gateway.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := directory.New(directory.Options{Broker: b.URL(), ClientID: "dir-" + t.Name(), Log: peers.TestLog(t)})
	peers.Serve(t, dir.Run, dir.Ready())
	opts := Options{Broker: b.URL(), ClientID: "patrol-test", Sites: sites, Commands: dir, Audit: st, Log: peers.TestLog(t),
		CommandTimeout: 5 * time.Second}
	for _, f := range tune {
		f(&opts)
	}
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, broker: b, svc: svc, edge: droneedge.New(t, b.URL(), "edge-a"), events: make(chan Event, 1024), st: st}
	cancel := svc.Subscribe(func(e Event) { r.events <- e })
	t.Cleanup(cancel)
	peers.Serve(t, svc.Run, svc.Ready())
	return r
}

// put publishes a drone's telemetry and waits until the service shows it
// as sent (state, link, battery and patrol alike).
func (r *rig) put(tel bus.DroneTelemetry) {
	r.t.Helper()
	r.edge.Telemetry(tel)
	r.waitFor(func() bool {
		v, ok := r.svc.Drone(tel.Drone)
		return ok && v.State == tel.State && v.Link == tel.Link && v.Battery == tel.Battery.Percent && v.GPSFix == tel.GPSFix
	}, "drone %s's telemetry", tel.Drone)
}

// waitFor fails the test unless cond holds within 10 s.
func (r *rig) waitFor(cond func() bool, what string, args ...any) {
	r.t.Helper()
	peers.Await(r.t, 10*time.Second, fmt.Sprintf(what, args...), cond)
}

// command awaits the next command the edge received.
func (r *rig) command() bus.Command { return r.edge.Next() }

// noCommand asserts that no command reached the edge. Launch returns only
// once the edge has answered, and the edge records a command before it
// answers: one sent would be in the channel already.
func (r *rig) noCommand() {
	r.t.Helper()
	select {
	case c := <-r.edge.Commands():
		r.t.Fatalf("unexpected command %s %s", c.Action, c.Drone)
	default:
	}
}

// progress awaits patrol progress events until one in state final, and
// returns the states seen (waypoints as "waypoint n/N").
func (r *rig) progress(final string) []string {
	r.t.Helper()
	var seen []string
	for {
		select {
		case e := <-r.events:
			if e.Kind != EventPatrol {
				continue
			}
			s := e.Progress.State
			if s == bus.PatrolWaypoint {
				s = fmtWaypoint(e.Progress.Waypoint, e.Progress.Of)
			}
			seen = append(seen, s)
			if e.Progress.State == final {
				return seen
			}
		case <-time.After(15 * time.Second):
			r.t.Fatalf("no %s within 15s; saw %v", final, seen)
		}
	}
}

// event awaits the next event of kind.
func (r *rig) event(kind string) Event {
	r.t.Helper()
	for {
		select {
		case e := <-r.events:
			if e.Kind == kind {
				return e
			}
		case <-time.After(10 * time.Second):
			r.t.Fatalf("no %s event within 10s", kind)
		}
	}
}
