package models

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	VetChild()
	os.Exit(m.Run())
}

// modelDir returns the model directory holding the card's file: the
// repository's models/ (or $ARGUS_MODEL_DIR); a missing model fails.
func modelDir(t *testing.T, c Card) string {
	t.Helper()
	dir := DefaultDir()
	if _, err := os.Stat(filepath.Join(dir, c.File)); err != nil {
		t.Fatalf("no model %s in %q (searched %v): models/ is part of the repository", c.Name, dir, SearchDirs())
	}
	return dir
}

func TestCardsEmbedded(t *testing.T) {
	if got := strings.Join(Names(), ","); got != "fastestdet,yolox-nano" {
		t.Fatalf("cards %s", got)
	}
	c, err := Lookup("")
	if err != nil || c.Name != Default || c.Input.Width != 416 || c.Pre.Resize != Letterbox || c.Pre.Pad != 114 {
		t.Fatalf("default card %+v, %v", c, err)
	}
	f, _ := Lookup("fastestdet")
	if f.Pre.Resize != Stretch || f.Post.Kind != FastestDet || f.Input.Width != 352 {
		t.Fatalf("fastestdet card %+v", f)
	}
	if _, err := Lookup("picodet"); err == nil || !strings.Contains(err.Error(), "yolox-nano") {
		t.Fatalf("unknown model: %v", err)
	}
}

func TestParseCardRefusesBadCards(t *testing.T) {
	_, err := ParseCard([]byte("name: x\nfile: x.onnx\nsha256: abc\ninput: {width: 8, height: 8}\npreprocess: {resize: crop}\npostprocess: {kind: ssd}\n"))
	for _, want := range []string{"sha256", "input 8x8", "crop", "ssd", "labels"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
	if _, err := ParseCard([]byte("name: x\nlabes: [a]\n")); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestLocate(t *testing.T) {
	for _, name := range Names() {
		c, _ := Lookup(name)
		dir := modelDir(t, c)
		m, err := c.Locate(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Labels) != 80 || m.Labels[0] != "person" || m.Labels[2] != "car" {
			t.Fatalf("%s labels %v", name, m.Labels)
		}
	}
	c, _ := Lookup("")
	if _, err := c.Locate(t.TempDir()); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), c.Upstream) {
		t.Fatalf("missing model: %v", err)
	}
	// A file with the right name and the wrong content is refused.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "yolox-nano"), 0o755)
	os.WriteFile(filepath.Join(dir, c.File), []byte("not a model"), 0o644)
	if _, err := c.Locate(dir); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("wrong digest: %v", err)
	}
}

// TestVet loads the real models and two corrupt ones in children: the
// corrupt ones are refused with a reason and this process lives on.
func TestVet(t *testing.T) {
	c, _ := Lookup("")
	dir := modelDir(t, c)
	real := filepath.Join(dir, c.File)
	start := time.Now()
	if err := Vet(real); err != nil {
		t.Fatalf("real model refused: %v", err)
	}
	t.Logf("vetting yolox-nano in a child: %v", time.Since(start))
	start = time.Now()
	if err := Vet(real); err != nil || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("cached verdict: %v after %v", err, time.Since(start))
	}
	f, _ := Lookup("fastestdet")
	if err := Vet(filepath.Join(modelDir(t, f), f.File)); err != nil {
		t.Fatalf("fastestdet refused: %v", err)
	}

	b, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	garbage := filepath.Join(tmp, "garbage.onnx")
	truncated := filepath.Join(tmp, "truncated.onnx")
	os.WriteFile(garbage, []byte(strings.Repeat("\x13garbage\xff bytes ", 500)), 0o644)
	os.WriteFile(truncated, b[:len(b)/2], 0o644)
	for _, p := range []string{garbage, truncated, filepath.Join(tmp, "absent.onnx")} {
		err := Vet(p)
		if err == nil {
			t.Fatalf("%s accepted", filepath.Base(p))
		}
		if p != filepath.Join(tmp, "absent.onnx") && !strings.Contains(err.Error(), "Failed to parse ONNX model") {
			t.Errorf("%s: the reason is not OpenCV's: %v", filepath.Base(p), err)
		}
		t.Logf("%s: %v", filepath.Base(p), err)
	}
}
