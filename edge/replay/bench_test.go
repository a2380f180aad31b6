package replay

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/record"
)

// BenchmarkReplaySpeed replays an idle-mode stretch of 1080p footage: the
// simulator's empty street (1920x1080, 15 fps, a keyframe every 2 s,
// sensor noise, nothing moving), recorded continuously by edge/record,
// ARGUS_REPLAY_MINUTES long (default 10), under the hillside fire watch
// (motion, fire, health). As live, an idle camera decodes its keyframes
// only, after the whole-frame look of its first keyframe. It reports
// x_realtime_per_core: media seconds replayed per CPU second of this
// process (utime+stime from /proc, robust to other load on the machine;
// the target is ≥ 30), and x_realtime_wall, the wall-clock rate.
//
//	go test -run XXX -bench ReplaySpeed -benchtime 1x ./edge/replay/
func BenchmarkReplaySpeed(b *testing.B) {
	minutes := 10
	if v, err := strconv.Atoi(os.Getenv("ARGUS_REPLAY_MINUTES")); err == nil && v > 0 {
		minutes = v
	}
	peers.Need(b, "ffmpeg", "ffmpeg")
	ctx := context.Background()
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop()).Scene(ctx,
		sim.SceneSpec{Kind: sim.Empty, Width: 1920, Height: 1080, FPS: 15, GOP: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	span := time.Duration(minutes) * time.Minute
	recordScene(b, dir, sc, start, span)
	order := bus.ReplayOrder{ID: "bench", Site: "hillside", Cameras: []string{"cam1"}, Rules: string(rulesDoc(1, "{}", 0.5)),
		From: bus.At(start), To: bus.At(start.Add(span))}
	b.ResetTimer()
	for range b.N {
		cpu0, wall0 := processCPU(b), time.Now()
		rep := Replay(ctx, Options{Edge: "bench", Dir: dir, Log: zerolog.Nop()}, order)
		cpu, wall := processCPU(b)-cpu0, time.Since(wall0)
		if rep.State != bus.ReplayDone || rep.Media < span.Seconds()-5 {
			b.Fatalf("replay %s %q: %.0f s of %.0f", rep.State, rep.Message, rep.Media, span.Seconds())
		}
		if len(rep.Anomalies) != 0 {
			b.Fatalf("the empty street raised %d anomalies: %+v", len(rep.Anomalies), rep.Anomalies)
		}
		b.ReportMetric(rep.Media/cpu.Seconds(), "x_realtime_per_core")
		b.ReportMetric(rep.Media/wall.Seconds(), "x_realtime_wall")
		b.ReportMetric(cpu.Seconds(), "cpu_s")
	}
}

// recordScene records span of the scene as camera cam1, continuously.
func recordScene(b *testing.B, dir string, sc *sim.Scene, start time.Time, span time.Duration) {
	h := hub.New(hub.Options{Queue: 256})
	rec, err := record.New(record.Options{Dir: dir, Hub: h, Log: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	rec.Apply(map[string]record.Policy{"cam1": {Mode: record.ModeContinuous}})
	st := h.Open("cam1")
	rd := st.Readers()[0]
	for u := range sc.Replay(start, span) {
		for rd.Queued() > 128 {
			time.Sleep(time.Millisecond)
		}
		st.Publish(u)
	}
	for rd.Queued() > 0 {
		time.Sleep(time.Millisecond)
	}
	rec.Close()
	if rd.Dropped() != 0 {
		b.Fatalf("the recorder dropped %d frames", rd.Dropped())
	}
}

// processCPU is this process's CPU time so far, user and system, from
// /proc/self/stat (in USER_HZ, 100 on Linux).
func processCPU(b *testing.B) time.Duration {
	raw, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	sy, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+sy) * time.Second / 100
}
