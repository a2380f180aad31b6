package drone_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim/drone"
)

// Simulated: the drone alone (no real autopilot), listening as a UDP
// server as in the demo fleet, reached directly by our node as a UDP
// client: the link comes up and it takes off and lands in GUIDED.
func TestDroneAsUDPServer(t *testing.T) {
	addr := peers.FreeUDPAddr(t)
	home := mavlink.Point{Lat: 22.5476, Lon: 114.047, Alt: 40}
	d, err := drone.New(drone.Options{SystemID: 11, Link: "udps://" + addr, Home: home, Speedup: 10, Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	n, err := mavlink.New(mavlink.Options{Links: []string{"udpc://" + addr}, Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	v := n.Vehicle(11)
	wait := func(what string, ok func(mavlink.State) bool) {
		t.Helper()
		if !peers.Eventually(15*time.Second, func() bool { return ok(v.State()) }) {
			t.Fatalf("not %s: %+v", what, v.State())
		}
	}
	wait("up", func(s mavlink.State) bool { return s.Link == bus.LinkUp && s.Lat != 0 })
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	for _, step := range []func() error{
		func() error { return v.SetMode(cctx, "GUIDED") },
		func() error { return v.Arm(cctx) },
		func() error { return v.Takeoff(cctx, 12) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	wait("at 12 m", func(s mavlink.State) bool { return s.AltRel > 11.9 && s.Mode == "GUIDED" && s.Armed })
	if err := v.SetMode(cctx, "LAND"); err != nil {
		t.Fatal(err)
	}
	wait("landed", func(s mavlink.State) bool { return !s.Armed && s.AltRel < 0.1 })
	if s := d.Status(); !s.Landed() || s.Flown <= 0 || s.Battery >= 100 {
		t.Errorf("after the flight: %+v", s)
	}
}

func TestNewRejects(t *testing.T) {
	for _, o := range []drone.Options{
		{SystemID: 0, Link: "udps://:14550"},
		{SystemID: 251, Link: "udps://:14550"},
		{SystemID: 1, Link: "udp://:14550"},
	} {
		if _, err := drone.New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
