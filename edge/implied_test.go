package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/peers"
)

// TestImpliedMotionLogged: the edge binary applies a rule set whose "*"
// block has fire and smoke but no motion, and its "rule set applied"
// event carries the note that motion is implied, with the file and line
// of the block's detectors. (The camera is a dead RTSP port: no frame is
// needed to apply a set.)
func TestImpliedMotionLogged(t *testing.T) {
	dir := t.TempDir()
	rules := rulesDir(t, dir)
	set, err := os.ReadFile("../configs/ruleset/testdata/implied/hillside.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(rules, "hillside.yaml")
	if err := os.WriteFile(file, set, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "edge.yaml")
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	writeConfig(t, cfg, addr, rules, fmt.Sprintf("{id: ridge, site: s1, main: %q}", deadCamera(t)))
	// writeConfig declares site s1 only: add hillside.
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), "sites: [{id: s1}]", "sites: [{id: s1}, {id: hillside}]", 1)), 0o644)

	_, logs := startEdge(t, cfg)
	ev := logs.await(t, "rule set applied", map[string]string{"site": "hillside"})
	notes := fmt.Sprint(ev["notes"])
	if !strings.Contains(notes, file+":7: cameras.*.detectors: fire, smoke run only where motion is seen") ||
		!strings.Contains(notes, "motion is implied") {
		t.Fatalf("rule set applied without the implied-motion note naming %s:7: %v", file, ev)
	}
}
