package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/models"
)

func TestMain(m *testing.M) {
	models.VetChild()
	os.Exit(m.Run())
}

// TestExitCode runs the command on one clip, the simulator's fire scene
// (an ffmpeg-drawn fire that appears 3 s in and grows, 640x360, 20 s),
// with the hillside demo rules, and checks its exit code follows the
// requirements, its table and its report. Simulated: the footage.
func TestExitCode(t *testing.T) {
	peers.Need(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop()).Scene(ctx, sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	_, self, _, _ := runtime.Caller(0)
	rules := filepath.Join(filepath.Dir(self), "..", "..", "..", "..", "configs", "rules", "hillside.yaml")
	dir := t.TempDir()
	truth := fmt.Sprintf("rules: %s\nclips:\n  - file: %s\n    events: [{kind: fire, from: 3s}]\n", rules, sc.File)
	if err := os.WriteFile(filepath.Join(dir, "truth.yaml"), []byte(truth), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		require string
		code    int
		says    string
	}{
		{"fire.recall>=0.95", 0, "| fire | 1 | 1 | 1.00 |"},
		{"fire.recall>=0.95,smoke.false_per_hour<=-1", 1, "smoke.false_per_hour<=-1: smoke false_per_hour is"},
		{"fire.recal>=1", 2, ""},
	} {
		var stdout, stderr bytes.Buffer
		code, err := run(ctx, []string{"-dir", dir, "-out", out, "-require", c.require}, &stdout, &stderr)
		t.Logf("-require %s: exit %d (%v)\n%s", c.require, code, err, stdout.String())
		if code != c.code {
			t.Fatalf("-require %s: exit %d, want %d (%v)", c.require, code, c.code, err)
		}
		if !strings.Contains(stdout.String(), c.says) {
			t.Fatalf("-require %s: the output does not say %q", c.require, c.says)
		}
	}
	report, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "| fire | 1 | 1 | 1.00 |") {
		t.Fatalf("the report has no fire row:\n%s", report)
	}
}
