package mavlink_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim/drone"
)

// These tests run our driver against simulated drones (drivers/sim/drone,
// Go code of ours that imitates ArduCopter) through mavp2p v1.3.3, a real
// third-party MAVLink router run as a process. No real autopilot, SITL or
// flight controller is involved anywhere.

// home is the hillside demo site's take-off point.
var home = mavlink.Point{Lat: 22.3701, Lon: 114.1102, Alt: 85}

// fast is a drone that flies 20 times faster than real time.
func fast(sysid int) drone.Options {
	return drone.Options{SystemID: sysid, Home: home, Speed: 10, Climb: 5, Speedup: 20}
}

// rig is a router with our node on one side and simulated drones on the
// other.
type rig struct {
	node   *mavlink.Node
	drones map[int]*drone.Drone
	// vehicleSide is the router's address the drones connect to.
	vehicleSide string
	// logs holds what the node logged.
	logs *peers.LogBuffer
}

// newRig starts mavp2p, the drones and a node whose links are the router's
// ground side plus extra.
func newRig(t *testing.T, node mavlink.Options, drones ...drone.Options) *rig {
	t.Helper()
	gcsSide, vehicleSide := peers.FreeUDPAddr(t), peers.FreeUDPAddr(t)
	peers.MAVP2P(t, "udps:"+gcsSide, "udps:"+vehicleSide)
	r := &rig{drones: map[int]*drone.Drone{}, vehicleSide: vehicleSide, logs: &peers.LogBuffer{}}
	for _, o := range drones {
		r.addDrone(t, o)
	}
	node.Links = append([]string{"udpc://" + gcsSide}, node.Links...)
	node.Log = zerolog.New(io.MultiWriter(zerolog.NewTestWriter(t), r.logs)).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	n, err := mavlink.New(node)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	r.node = n
	return r
}

func (r *rig) addDrone(t *testing.T, o drone.Options) *drone.Drone {
	t.Helper()
	o.Link = "udpc://" + r.vehicleSide
	o.Log = peers.TestLog(t)
	d, err := drone.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := d.Run(ctx); err != nil {
			t.Errorf("drone %d: %v", o.SystemID, err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	r.drones[o.SystemID] = d
	return d
}

// waitState polls a vehicle's state until ok holds, failing the test after
// within.
func waitState(t *testing.T, v *mavlink.Vehicle, within time.Duration, what string, ok func(mavlink.State) bool) mavlink.State {
	t.Helper()
	var st mavlink.State
	if !peers.Eventually(within, func() bool { st = v.State(); return ok(st) }) {
		t.Fatalf("vehicle %d: not %s after %s; state %+v", v.SystemID(), what, within, st)
	}
	return st
}

// waitTelemetry waits for the vehicle's link and its first position.
func waitTelemetry(t *testing.T, v *mavlink.Vehicle) mavlink.State {
	t.Helper()
	return waitState(t, v, 10*time.Second, "up with a position", func(s mavlink.State) bool {
		return s.Link == bus.LinkUp && s.Lat != 0 && s.BatteryPercent >= 0
	})
}

// route is a small patrol north-east of home: three points 40-60 m apart.
func route() []bus.PatrolPoint {
	return []bus.PatrolPoint{
		{Lat: home.Lat + 0.0004, Lon: home.Lon, Alt: 20, Speed: 8, Hover: 2, GimbalPitch: -30},
		{Lat: home.Lat + 0.0004, Lon: home.Lon + 0.0005, Alt: 25, Speed: 12},
		{Lat: home.Lat, Lon: home.Lon + 0.0005, Alt: 25, Speed: 12, Hover: 1, GimbalPitch: -90},
	}
}

// square is a polygon of half-width d degrees around home.
func square(d float64) []mavlink.Point {
	return []mavlink.Point{
		{Lat: home.Lat - d, Lon: home.Lon - d}, {Lat: home.Lat + d, Lon: home.Lon - d},
		{Lat: home.Lat + d, Lon: home.Lon + d}, {Lat: home.Lat - d, Lon: home.Lon + d},
	}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
