package rtsp

import (
	"context"
	"hash/crc32"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// held is a unit kept by the test's consumer, with the checksum of its
// bytes when it came.
type held struct {
	u   *media.Unit
	sum uint32
}

// sumOf checksums a unit's payloads and the NAL units assembled from them.
func sumOf(u *media.Unit) uint32 {
	h := crc32.NewIEEE()
	for _, p := range u.Packets {
		h.Write(p.Payload)
	}
	for _, n := range u.AccessUnit() {
		h.Write(n)
	}
	return h.Sum32()
}

// TestReadChunksAreReusedOnlyOnceReleased pulls a camera over TCP, where
// the connection reads into chunks that are reused (chunk.go), while the
// consumers keep units as the edge's do: a GOP cache holding every unit
// until the next keyframe starts (OnKeyframe, which must come before
// every keyframe's unit and no other), and a consumer on its own goroutine holding
// units for random times, up to a second, and releasing them out of
// order. A released chunk is overwritten at once (poison): every unit's
// bytes must still be what they were when it came, at its release, and
// the chunks must have been reused. Run with -race: the consumers read
// the units on other goroutines than the pull's. Simulated: the camera
// (drivers/sim over RTSP, TCP, 640x360 at 25 fps, 3 Mbit/s).
func TestReadChunksAreReusedOnlyOnceReleased(t *testing.T) {
	poison = true
	t.Cleanup(func() { poison = false })
	cam := peers.Sim(t, sim.Camera{Path: "cam", Scene: sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360,
		FPS: 25, BitrateKbps: 3000, GOP: time.Second, Duration: 4 * time.Second}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	queue := make(chan held, 256)
	var bad, checked, frames int
	var mu sync.Mutex
	check := func(h held) {
		mu.Lock()
		defer mu.Unlock()
		checked++
		if sumOf(h.u) != h.sum {
			bad++
		}
		h.u.Release()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the consumer: keeps up to 20 units, releases them in random order
		defer wg.Done()
		rnd := rand.New(rand.NewPCG(1, 2))
		var kept []held
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case h, ok := <-queue:
				if !ok {
					for _, k := range kept {
						check(k)
					}
					return
				}
				kept = append(kept, h)
			case <-tick.C:
			}
			for len(kept) > 20 || len(kept) > 0 && rnd.IntN(4) == 0 {
				i := rnd.IntN(len(kept))
				check(kept[i])
				kept = append(kept[:i], kept[i+1:]...)
			}
		}
	}()

	var gop []held // the pull's goroutine only
	var told bool  // OnKeyframe came, its keyframe not yet
	var keys, misannounced int
	reusedBefore := reused.Load()
	err := Pull(ctx, Options{URL: cam.URL("cam"), Transport: "tcp", OnKeyframe: func() {
		if told {
			misannounced++
		}
		told = true
		for _, h := range gop {
			check(h)
		}
		gop = gop[:0]
	}, OnUnit: func(u *media.Unit) {
		if u.Key != told {
			misannounced++
		}
		if u.Key {
			keys++
		}
		told = false
		sum := sumOf(u)
		u.Hold()
		gop = append(gop, held{u, sum})
		u.Hold()
		queue <- held{u, sum}
		if frames++; frames == 150 {
			cancel()
		}
	}})
	close(queue)
	wg.Wait()
	for _, h := range gop {
		check(h)
	}
	if frames < 150 {
		t.Fatalf("pull ended after %d frames: %v", frames, err)
	}
	if keys < 5 || misannounced > 0 {
		t.Fatalf("%d keyframes, %d announced wrongly by OnKeyframe (before another unit, or not at all)", keys, misannounced)
	}
	if bad > 0 {
		t.Fatalf("%d of %d units held had their bytes overwritten before their release", bad, checked)
	}
	if checked != 2*frames {
		t.Fatalf("%d releases checked, want %d", checked, 2*frames)
	}
	if n := reused.Load() - reusedBefore; n == 0 {
		t.Fatal("no read chunk was reused: every unit was released, so their chunks should have been")
	}
}
