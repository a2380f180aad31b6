package peers

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/sim"
)

// TinyScene is a small, short scene that encodes in a second on a cold
// cache: for tests that need real H.264/H.265 but not a real picture.
func TinyScene(kind sim.Kind, codec sim.Codec) sim.SceneSpec {
	return sim.SceneSpec{Kind: kind, Codec: codec, Width: 320, Height: 240, FPS: 10,
		GOP: time.Second, Duration: 3 * time.Second}
}

// Sim serves simulated cameras on a free loopback port and waits until all
// serve. The server closes when the test ends.
func Sim(t testing.TB, cams ...sim.Camera) *sim.Server {
	t.Helper()
	Need(t, "ffmpeg", "ffmpeg")
	s := sim.New(sim.Options{Listen: "127.0.0.1:0", UDP: FreeUDPPair(t), Log: TestLog(t)})
	for _, c := range cams {
		if err := s.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLog is a logger writing to the test's output (shown on failure or -v).
func TestLog(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}
