package models

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotInstalled tells that a model's file is not in the model directory:
// callers fall back to something that needs no model.
var ErrNotInstalled = errors.New("model not installed")

// DirEnv names the environment variable that overrides DefaultDir.
const DirEnv = "ARGUS_MODEL_DIR"

// Model is a card whose file was found and checked.
type Model struct {
	Card
	// Path is the model file.
	Path string
	// Labels are the class names, index = class id.
	Labels []string
}

// InstalledDirs are the model directories of installed systems, looked at
// after the ones beside the binary and in the repository: a packaged edge
// runs from /usr/bin or /usr/local/bin with its working directory in its
// state directory (deploy/systemd), far from any repository.
var InstalledDirs = []string{"/usr/share/argus/models", "/usr/local/share/argus/models"}

// module is the repository's module path: SearchDirs walks up from the
// working directory to the go.mod that declares it, passing over nested
// modules (deploy/kubernetes has its own go.mod and no models).
const module = "github.com/argus-edge/argus"

// SearchDirs lists, in order, where DefaultDir looks for models:
// $ARGUS_MODEL_DIR alone when it is set (an operator's explicit choice is
// never second-guessed); else models/ beside the binary (bin/../models,
// the layout of `make build` and of a release archive), share/argus/models
// beside it (/usr/local/bin → /usr/local/share/argus/models), models/ of
// the repository holding the working directory (go test and go run build
// their binaries in temporary directories, so only the working directory
// leads back to the repository), then InstalledDirs.
func SearchDirs() []string {
	if d := os.Getenv(DirEnv); d != "" {
		return []string{d}
	}
	var out []string
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		bin := filepath.Dir(exe)
		out = append(out, filepath.Join(bin, "..", "models"), filepath.Join(bin, "..", "share", "argus", "models"))
	}
	if repo := repoRoot(); repo != "" {
		out = append(out, filepath.Join(repo, "models"))
	}
	out = append(out, InstalledDirs...)
	for i, d := range out {
		out[i] = filepath.Clean(d)
	}
	return out
}

// DefaultDir is where models are looked for when the settings name no
// directory: the first of SearchDirs that holds the file of any card, or
// "" when none does (every model is then not installed).
func DefaultDir() string {
	dirs := SearchDirs()
	if os.Getenv(DirEnv) != "" {
		return dirs[0]
	}
	for _, d := range dirs {
		for _, c := range cards {
			if st, err := os.Stat(filepath.Join(d, filepath.FromSlash(c.File))); err == nil && st.Mode().IsRegular() {
				return d
			}
		}
	}
	return ""
}

// repoRoot returns the repository holding the working directory (the
// nearest go.mod upward that declares this module), or "".
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declares(b, module) {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// declares tells whether a go.mod's module line names mod.
func declares(gomod []byte, mod string) bool {
	for _, l := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == mod {
			return true
		}
	}
	return false
}

// Locate finds the card's file in dir, checks its sha256 and reads its
// labels. A missing file gives an error wrapping ErrNotInstalled; a file
// with another digest is refused, since its outputs would be misread.
func (c Card) Locate(dir string) (Model, error) {
	if dir == "" {
		dir = DefaultDir()
	}
	if dir == "" {
		return Model{}, fmt.Errorf("model %s: %w: no %s in any of %s (set %s or the config's model_dir): install it from %s",
			c.Name, ErrNotInstalled, c.File, strings.Join(SearchDirs(), ", "), DirEnv, c.Upstream)
	}
	p := filepath.Join(dir, filepath.FromSlash(c.File))
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return Model{}, fmt.Errorf("model %s: %s: %w: install it from %s", c.Name, p, ErrNotInstalled, c.Upstream)
	}
	if err != nil {
		return Model{}, fmt.Errorf("model %s: %w", c.Name, err)
	}
	if !st.Mode().IsRegular() {
		return Model{}, fmt.Errorf("model %s: %s is not a regular file", c.Name, p)
	}
	sum, err := FileSHA256(p)
	if err != nil {
		return Model{}, fmt.Errorf("model %s: %w", c.Name, err)
	}
	if !strings.EqualFold(sum, c.SHA256) {
		return Model{}, fmt.Errorf("model %s: %s has sha256 %s, the card wants %s: reinstall it from %s",
			c.Name, p, sum, c.SHA256, c.Upstream)
	}
	labels := c.Labels
	if len(labels) == 0 {
		labels, err = readLabels(filepath.Join(dir, filepath.FromSlash(c.LabelsFile)))
		if err != nil {
			return Model{}, fmt.Errorf("model %s: labels: %w", c.Name, err)
		}
	}
	return Model{Card: c, Path: p, Labels: labels}, nil
}

// Open finds the named model in dir ("" for DefaultDir) and vets it in a
// child process: the returned model is safe to load in this process.
func Open(name, dir string) (Model, error) {
	c, err := Lookup(name)
	if err != nil {
		return Model{}, err
	}
	m, err := c.Locate(dir)
	if err != nil {
		return Model{}, err
	}
	if err := Vet(m.Path); err != nil {
		return Model{}, err
	}
	return m, nil
}

// FileSHA256 returns the hex sha256 of a file.
func FileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func readLabels(p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labels", p)
	}
	return out, nil
}
