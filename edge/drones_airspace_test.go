package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAirspaceReadAtEachLaunch: the loader the drones use reads the
// site's file each time: an edit applies at once, a broken file gives
// its problems with file and line, a missing one says where it looked.
func TestAirspaceReadAtEachLaunch(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("..", "configs", "sites", "hillside.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hillside.yaml")
	writeAtomic(t, path, string(good))
	load := airspaceFiles(dir)
	s, err := load("hillside")
	if err != nil || s.ID != "hillside" || s.Ceiling != 100 {
		t.Fatalf("site %+v, %v: want hillside with its 100 m ceiling", s, err)
	}
	writeAtomic(t, path, strings.Replace(string(good), "ceiling: 100", "ceiling: 80", 1))
	if s, err := load("hillside"); err != nil || s.Ceiling != 80 {
		t.Fatalf("after the edit: %+v, %v: want the 80 m ceiling", s, err)
	}
	writeAtomic(t, path, strings.Replace(string(good), "ceiling: 100", "ceiling: high", 1))
	if _, err := load("hillside"); err == nil || !strings.Contains(err.Error(), "hillside.yaml:") || !strings.Contains(err.Error(), "ceiling") {
		t.Fatalf("broken file: %v, want its file:line and the field", err)
	}
	if _, err := load("riverside"); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("missing file: %v, want where it looked", err)
	}
}
