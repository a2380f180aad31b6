package record

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestFullDiskKeepsConsuming records onto a real 1 MiB tmpfs, which fills
// within seconds of video: the recorder goes on taking every unit from
// the hub (ingest and detection are never held back), counts the failed
// writes, logs the burst once, and what was written before still plays.
// Simulated: the camera (scene replay); the full disk is a real one.
func TestFullDiskKeepsConsuming(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root; the write-failure path is the same as on any full disk")
	}
	sc := scene(t, sim.H264)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })

	var logs peers.LogBuffer
	r, h := newRecorder(t, dir, Options{Log: zerolog.New(&logs).Level(zerolog.InfoLevel)}, map[string]Policy{"cam": {Mode: ModeContinuous}})
	start := start0
	play(t, h, "cam", sc, start, 60*time.Second, nil) // fails if the recorder dropped a unit
	r.Close()

	if n := testutil.ToFloat64(r.m.errors); n < 10 {
		t.Errorf("%g write errors counted, want one per lost fragment (dozens)", n)
	}
	if n := strings.Count(logs.String(), "recording write failed"); n != 1 {
		t.Errorf("full disk logged %d times, want once for the burst:\n%s", n, logs.String())
	}
	segs := r.ix.find("cam", time.Time{}, time.Time{})
	if len(segs) == 0 {
		t.Fatal("nothing recorded before the disk filled")
	}
	for _, e := range segs {
		probe(t, e.Path)
	}
}
