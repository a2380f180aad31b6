package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/models"
)

// TestFreshInstallRunsYOLOX stands for a fresh clone or a release archive
// with no ../shared anywhere: the edge binary is copied to <tmp>/bin/edge
// beside a <tmp>/models/ holding the repository's model files, and run
// from <tmp> (no repository above it) with no $ARGUS_MODEL_DIR and no
// model_dir in its config. Its objects detector must load YOLOX-nano from
// <tmp>/models, and its log must say so once: the card, the path, the
// digest, the input size and the backend. The camera is the simulator's
// empty scene over RTSP: the detector is made on the camera's first frame.
func TestFreshInstallRunsYOLOX(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "bin", "edge")
	copyFile(t, edgeBin, bin, 0o755)
	repoModels := models.DefaultDir()
	for _, name := range models.Names() {
		c, _ := models.Lookup(name)
		for _, f := range []string{c.File, c.LabelsFile, c.LicenceFile} {
			copyFile(t, filepath.Join(repoModels, f), filepath.Join(root, "models", f), 0o644)
		}
	}
	s := peers.Sim(t, sim.Camera{Path: "cam", Scene: peers.TinyScene(sim.Empty, sim.H264)})
	rules := rulesDir(t, root)
	os.WriteFile(filepath.Join(rules, "s1.yaml"), []byte(`site: s1
version: 1
cameras:
  "*":
    detectors: {motion: {}, objects: {}}
    rules:
      - {name: person, kind: person}
`), 0o644)
	cfg := filepath.Join(root, "edge.yaml")
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	writeConfig(t, cfg, addr, rules, fmt.Sprintf("{id: cam, site: s1, main: %q}", s.URL("cam")))

	cmd := exec.Command(bin, "-config", cfg, "-log-format", "json")
	cmd.Dir = root
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, models.DirEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs := follow(t, stderr)

	c, _ := models.Lookup(models.Default)
	ev := logs.await(t, "model loaded", map[string]string{"model": "yolox-nano"})
	want := map[string]string{
		"path": filepath.Join(root, "models", c.File), "sha256": c.SHA256, "input": "416x416",
		"backend": "opencv-dnn/cpu", "edge": "edge-e2e", "level": "info", "licence": "Apache-2.0",
	}
	for k, v := range want {
		if fmt.Sprint(ev[k]) != v {
			t.Errorf("model loaded: %s = %v, want %s (event %v)", k, ev[k], v, ev)
		}
	}
}

// copyFile copies src to dst, making dst's folder.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
