package models

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultDirIsTheRepository: with no $ARGUS_MODEL_DIR, a test binary
// (built in a temporary directory, so nothing lies beside it) finds the
// committed models/ of the repository from its working directory, and
// both models are there with the card's digest.
func TestDefaultDirIsTheRepository(t *testing.T) {
	t.Setenv(DirEnv, "")
	here, err := filepath.Abs(".") // the package directory is models/ itself
	if err != nil {
		t.Fatal(err)
	}
	if got := DefaultDir(); got != here {
		t.Fatalf("DefaultDir %q, want the repository's %q (searched %v)", got, here, SearchDirs())
	}
	for _, name := range Names() {
		c, _ := Lookup(name)
		if _, err := c.Locate(""); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(here, filepath.FromSlash(c.LicenceFile))); err != nil {
			t.Errorf("%s: its licence file is not beside it: %v", name, err)
		}
	}
}

// TestSearchDirs: $ARGUS_MODEL_DIR is taken alone; otherwise the binary's
// neighbours come first, then the repository, then the installed paths.
func TestSearchDirs(t *testing.T) {
	t.Setenv(DirEnv, "/opt/elsewhere")
	if got := SearchDirs(); len(got) != 1 || got[0] != "/opt/elsewhere" {
		t.Fatalf("with %s: %v", DirEnv, got)
	}
	if got := DefaultDir(); got != "/opt/elsewhere" {
		t.Fatalf("with %s: DefaultDir %q", DirEnv, got)
	}
	t.Setenv(DirEnv, "")
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	bin := filepath.Dir(exe)
	repo, _ := filepath.Abs("..")
	want := []string{filepath.Join(bin, "..", "models"), filepath.Join(bin, "..", "share", "argus", "models"),
		filepath.Join(repo, "models"), "/usr/share/argus/models", "/usr/local/share/argus/models"}
	if got := SearchDirs(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("search order\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNoModelAnywhere: outside any repository, with nothing beside the
// binary nor installed, no model is found and the error names every place
// searched and the variable that would point at one.
func TestNoModelAnywhere(t *testing.T) {
	t.Setenv(DirEnv, "")
	t.Chdir(t.TempDir())
	saved := InstalledDirs
	InstalledDirs = []string{filepath.Join(t.TempDir(), "usr", "share", "argus", "models")}
	t.Cleanup(func() { InstalledDirs = saved })
	if d := DefaultDir(); d != "" {
		t.Fatalf("DefaultDir %q outside the repository", d)
	}
	c, _ := Lookup("")
	_, err := c.Locate("")
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), InstalledDirs[0]) || !strings.Contains(err.Error(), DirEnv) {
		t.Fatalf("error %v: want ErrNotInstalled naming the searched dirs and %s", err, DirEnv)
	}
}

// TestRepositoryFoundPastNestedModules: a go.mod of another module (such
// as deploy/kubernetes's) does not stop the walk up to the repository.
func TestRepositoryFoundPastNestedModules(t *testing.T) {
	root := t.TempDir()
	nested := filepath.Join(root, "deploy", "kubernetes")
	os.MkdirAll(nested, 0o755)
	os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+module+"\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(nested, "go.mod"), []byte("module "+module+"/deploy/kubernetes\n"), 0o644)
	t.Chdir(nested)
	if got := repoRoot(); got != root {
		t.Fatalf("repoRoot %q, want %q", got, root)
	}
	for _, tc := range []struct {
		gomod string
		want  bool
	}{
		{"module github.com/argus-edge/argus\n", true},
		{"// x\nmodule \"github.com/argus-edge/argus\"\n", true},
		{"module github.com/argus-edge/argus/deploy/kubernetes\n", false},
		{"go 1.26\n", false},
	} {
		if got := declares([]byte(tc.gomod), module); got != tc.want {
			t.Errorf("declares(%q) = %v", tc.gomod, got)
		}
	}
}
