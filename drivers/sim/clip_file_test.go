package sim_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestClipFromFile makes a scene of a file ffmpeg writes (an MPEG-4 Part 2
// AVI at 12 fps, not H.264) and checks the scene is the file's pictures as
// H.264 with its size, rate and length; a file that is not video is refused
// with ffprobe's reason.
func TestClipFromFile(t *testing.T) {
	peers.Need(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	src := filepath.Join(dir, "test card.avi")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=12:duration=3",
		"-c:v", "mpeg4", src).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	lib := sim.NewLibrary(filepath.Join(dir, "cache"), zerolog.Nop())
	sc, err := lib.Clip(context.Background(), src, sim.ClipSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Spec.Width != 320 || sc.Spec.Height != 180 || sc.Spec.FPS != 12 || sc.Frames() != 36 || sc.Loop() != 3*time.Second {
		t.Fatalf("scene %+v with %d frames, %v: want 320x180, 12 fps, 36 frames, 3s", sc.Spec, sc.Frames(), sc.Loop())
	}
	n := 0
	for u := range sc.Replay(time.Unix(0, 0), sc.Loop()) {
		if n == 0 && !u.Key {
			t.Fatal("the first unit is not a keyframe")
		}
		n++
	}
	if n < sc.Frames() {
		t.Fatalf("%d units replayed, want %d", n, sc.Frames())
	}
	junk := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(junk, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Clip(context.Background(), junk, sim.ClipSpec{}); err == nil {
		t.Fatal("a text file was taken for a clip")
	} else {
		t.Logf("refused: %v", err)
	}
}
