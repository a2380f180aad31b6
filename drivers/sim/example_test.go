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
// offline. A reader's URL is s.URL(path); s.LoopTime(path) says where a
// camera is in its loop now, to ask the truth about what a reader sees.
func Example() {
	s := sim.New(sim.Options{Listen: "127.0.0.1:0", Log: zerolog.Nop()})
	defer s.Close()
	s.Add(sim.Camera{Path: "hillside/fire", Scene: sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360}})
	s.Add(sim.Camera{Path: "flaky", Scene: sim.SceneSpec{Kind: sim.Empty, Width: 320, Height: 240}, Corrupt: 0.01,
		Flap: &sim.Flap{Online: 20 * time.Second, Offline: 8 * time.Second}})
	if err := s.Start(); err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.WaitReady(ctx); err != nil {
		panic(err)
	}
	sc, _ := s.Scene("hillside/fire")
	fmt.Println(sc.Spec, sc.Frames(), "frames")
	for _, at := range []time.Duration{time.Second, 15 * time.Second} {
		fmt.Printf("at %v: %+v\n", at, sc.TruthAt(at))
	}
	fmt.Println("offline:", s.SetOnline("flaky", false))
	// Output:
	// fire-h264-640x360-15fps-345k-gop2s-20s 300 frames
	// at 1s: []
	// at 15s: [{Label:fire Box:[0.52 0.5 0.2 0.35] From:3s To:20s}]
	// offline: <nil>
}
