package drone

import (
	"runtime"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// TestCloseLeavesNoGoroutine: a Manager with two drones nobody answers
// for, a launch under way (its pre-flight refuses it) and an abort, then
// Close: the goroutines are back to what they were before New.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	link := "udpc://" + peers.FreeUDPAddr(t)
	var ds []configs.Drone
	for i, id := range []string{"drone-1", "drone-2"} {
		ds = append(ds, configs.Drone{ID: id, Site: site.ID, Link: link, SystemID: i + 1,
			Home: &configs.Location{Lat: home.Lat, Lon: home.Lon, Alt: home.Alt}, MaxSpeed: 10, Endurance: configs.Duration(20 * time.Minute)})
	}
	m, err := New(Options{Edge: edgeID, Drones: ds, Sites: map[string]*airspace.Site{site.ID: site}, Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := m.HandleCommand(bus.Command{RequestID: "r1", Action: bus.ActionPatrolLaunch, Drone: "drone-1",
		Patrol: &bus.PatrolOrder{ID: "p1", Route: "r", Points: route(), RTL: true}})
	if !rep.OK {
		t.Fatalf("launch: %+v", rep)
	}
	if rep, _ := m.HandleCommand(bus.Command{RequestID: "r2", Action: bus.ActionPatrolAbort, Drone: "drone-2"}); rep.OK {
		t.Fatalf("abort of a drone on the ground with no patrol: %+v, want refused", rep)
	}
	m.Close()
	m.Close() // twice: a no-op
	if !peers.Eventually(5*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before New:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	}
	if o := m.Outcomes(); o[bus.PatrolRefused]+o[bus.PatrolFailed] != 1 {
		t.Fatalf("outcomes %v: want the launch ended (refused, or failed by the stop)", o)
	}
}
