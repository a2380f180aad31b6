package analyze

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/decode"
	"github.com/argus-edge/argus/edge/frame"
)

// cpuTime is the process's user+system CPU so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childCPU is the CPU of the children waited for so far.
func childCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleCamerasPerCore replays 10 minutes of a quiet 1080p 4 Mbps
// camera (the simulator's empty scene) through the analysis in idle mode —
// keyframes only, luma only, motion and health — and reports how many such
// cameras one core can watch. The pull's own cost (make bench: ingest) is
// apart.
func BenchmarkIdleCamerasPerCore(b *testing.B) {
	t := b
	sc := scene(t, sim.SceneSpec{Kind: sim.Empty, Width: 1920, Height: 1080, BitrateKbps: 4000})
	runner := siteRules(t, "chemplant") // motion + health on "*"
	span := 10 * time.Minute
	b.ResetTimer()
	for range b.N {
		w := testWorker(t, Camera{ID: "chemplant-yard", Site: "chemplant"}, runner, &recorder{}, "")
		c0 := cpuTime()
		for u := range sc.Replay(time.Unix(1_800_000_000, 0), span) {
			w.unit(u)
		}
		cpu := cpuTime() - c0
		w.close()
		perCamera := cpu.Seconds() / span.Seconds() // cores one camera takes
		b.ReportMetric(1/perCamera, "cameras/core")
		b.ReportMetric(float64(cpu.Milliseconds())/float64(w.analysed.Load()), "ms/keyframe")
	}
}

// BenchmarkActiveVsDecode runs a clip through the active pipeline (every
// frame decoded, detectors at 5 fps) and, in the same run, Debian's ffmpeg
// decoding the same clip to null on one thread, and reports the ratio of
// their CPU. The fire scene (motion, fire, smoke, health) and vtest with
// YOLOX-nano (a DNN) are measured apart.
func BenchmarkActiveVsDecode(b *testing.B) {
	t := b
	cases := []struct {
		name  string
		spec  sim.SceneSpec
		site  string
		model string
	}{
		{"fire-720p", sim.SceneSpec{Kind: sim.Fire, Width: 1280, Height: 720}, "hillside", ""},
		{"fire-1080p", sim.SceneSpec{Kind: sim.Fire, Width: 1920, Height: 1080, BitrateKbps: 4000}, "hillside", ""},
		{"people-576p-yolox", sim.SceneSpec{Kind: sim.People, Width: 768, Height: 576, FPS: 10, Duration: 79 * time.Second}, "riverside", modelDir(t)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			sc := scene(t, c.spec)
			for range b.N {
				w := testWorker(t, Camera{ID: c.site + "-bench", Site: c.site}, siteRules(t, c.site), &recorder{}, c.model)
				w.pace.observe(time.Unix(1_800_000_000, 0), true, false) // start active
				c0 := cpuTime()
				for u := range sc.Replay(time.Unix(1_800_000_000, 0), sc.Loop()) {
					w.unit(u)
				}
				ours := cpuTime() - c0
				w.close()
				ff := ffmpegDecode(b, sc)
				b.ReportMetric(ours.Seconds()/ff.Seconds(), "pipeline/ffmpeg")
				b.ReportMetric(float64(ours.Milliseconds())/float64(sc.Frames()), "ms/frame")
			}
		})
	}
}

// ffmpegDecode times `ffmpeg -threads 1` decoding the scene's file to null.
func ffmpegDecode(b *testing.B, sc *sim.Scene) time.Duration {
	c0 := childCPU()
	cmd := exec.Command("ffmpeg", "-v", "error", "-threads", "1", "-i", sc.File, "-f", "null", "-")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("ffmpeg %s: %v", filepath.Base(sc.File), err)
	}
	return childCPU() - c0
}

// BenchmarkSnapshot reports the CPU of a start's snapshot of the fire
// scene: the decoder's JPEG from libav's planes (what starts use), and
// Go's encoder from a BGR picture already converted (the fallback, and
// what starts used before, plus that conversion).
func BenchmarkSnapshot(b *testing.B) {
	for _, c := range []struct {
		name string
		spec sim.SceneSpec
	}{
		{"720p", sim.SceneSpec{Kind: sim.Fire, Width: 1280, Height: 720}},
		{"1080p", sim.SceneSpec{Kind: sim.Fire, Width: 1920, Height: 1080, BitrateKbps: 4000}},
	} {
		sc := scene(b, c.spec)
		dec, err := decode.New("snap", string(sc.Spec.Codec))
		if err != nil {
			b.Fatal(err)
		}
		dec.SetMode(decode.Active)
		var f *frame.Frame
		for u := range sc.Replay(time.Unix(1_800_000_000, 0), 2*time.Second) {
			if g, err := dec.Decode(u); err == nil && g != nil {
				f = g // the last one is the decoder's kept picture
			}
		}
		if f == nil {
			b.Fatal("no picture decoded")
		}
		b.Run(c.name+"/decoder", func(b *testing.B) {
			n := 0
			for range b.N {
				jpg, err := dec.JPEG(f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(jpg)
			}
			b.ReportMetric(float64(n)/1024, "KiB")
		})
		b.Run(c.name+"/go-from-bgr", func(b *testing.B) {
			n := 0
			for range b.N {
				n = len(snapshot(f))
			}
			b.ReportMetric(float64(n)/1024, "KiB")
		})
		dec.Close()
	}
}
