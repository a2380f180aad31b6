package sim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/argus-edge/argus/drivers/sim"
	"github.com/rs/zerolog"
)

// A test serves a fire camera and a flaky one on a free port, waits for
// them, asks the fire scene's ground truth and takes the flaky camera
// offline.
func Example() {
	s := sim.New(sim.Options{Listen: "127.0.0.1:0", Log: zerolog.Nop()})
	defer s.Close()
	s.Add(sim.Camera{Path: "hillside/fire", Scene: sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360}})
	s.Add(sim.Camera{Path: "flaky", Scene: sim.SceneSpec{Kind: sim.Empty}, Corrupt: 0.01,
		Flap: &sim.Flap{Online: 20 * time.Second, Offline: 8 * time.Second}})
	if err := s.Start(); err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.WaitReady(ctx); err != nil {
		panic(err)
	}
	fmt.Println(s.URL("hillside/fire"))
	sc, _ := s.Scene("hillside/fire")
	now, _ := s.LoopTime("hillside/fire")
	fmt.Println(sc.TruthAt(now))
	s.SetOnline("flaky", false)
}
