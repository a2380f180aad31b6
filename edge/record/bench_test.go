package record

import (
	"syscall"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/sim"
)

// BenchmarkRecordUnit is the recorder's cost per frame of a camera with
// 10 s segments: fragmenting, AVCC framing, the write and the segment's
// fsync, on the simulator's H.264 scene. ns/op is per frame; MB/s is the
// video rate it could keep up with on one core.
func BenchmarkRecordUnit(b *testing.B) {
	recordUnits(b, scene(b, sim.H264), 10)
}

// BenchmarkRecord1080p is the same on a 1080p camera at 4 Mbps and 25 fps
// (the simulator's bench scene: a busy picture with noise, GOP 2 s).
// Besides ns/op (wall clock, which other jobs on the machine inflate) it
// reports the process's CPU time per frame (user + system, from
// getrusage: robust to load) and core-%/camera from it: the share of one
// core that recording one such camera takes (CPU per frame × 25 frames a
// second). The real edge's figure, recording on and off over the same
// cameras, is deploy/bench/record's.
func BenchmarkRecord1080p(b *testing.B) {
	spec := sim.SceneSpec{Kind: sim.Bench, Codec: sim.H264, Width: 1920, Height: 1080, FPS: 25, BitrateKbps: 4000,
		GOP: 2 * time.Second, Duration: 10 * time.Second}
	sc := sceneOf(b, spec)
	c0 := cpuTime()
	recordUnits(b, sc, 25)
	perFrame := float64((cpuTime() - c0).Nanoseconds()) / float64(b.N)
	b.ReportMetric(perFrame, "cpu-ns/frame")
	b.ReportMetric(perFrame*25/1e9*100, "core-%/camera")
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// recordUnits writes the scene's frames (fps a second) over and over into
// 10 s segments, one frame per op.
func recordUnits(b *testing.B, sc *sim.Scene, fps int64) {
	var units []*media.Unit
	size := 0
	for u := range sc.Replay(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC), time.Duration(sc.Frames())*time.Second/time.Duration(fps)) {
		units = append(units, u)
		size += u.Size
	}
	b.SetBytes(int64(size / len(units)))
	dir := b.TempDir()
	var f *file
	var loop int64
	copies := make([]media.Unit, len(units)) // the frames of one loop, retimed: what a hub hands over
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src := units[i%len(units)]
		if i%len(units) == 0 && i > 0 {
			loop += units[len(units)-1].PTS + clockRate/fps
		}
		u := &copies[i%len(units)]
		*u = *src
		u.PTS = src.PTS + loop
		u.NTP = u.NTP.Add(time.Duration(loop) * time.Second / clockRate)
		if f != nil && u.Key && f.spanTo(u) >= 10*time.Second {
			if _, err := f.close(); err != nil {
				b.Fatal(err)
			}
			f = nil
		}
		if f == nil {
			if !u.Key {
				continue
			}
			codec, err := codecOf(u)
			if err != nil {
				b.Fatal(err)
			}
			if f, err = createFile(dir, u, codec); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if err := f.add(u); err != nil {
			b.Fatal(err)
		}
	}
}
