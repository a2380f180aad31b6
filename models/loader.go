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

// DefaultDir is where models are looked for when the settings name no
// directory: $ARGUS_MODEL_DIR, else ../shared/models beside the
// repository holding the working directory (the test and demo layout).
func DefaultDir() string {
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "models")
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// Locate finds the card's file in dir, checks its sha256 and reads its
// labels. A missing file gives an error wrapping ErrNotInstalled; a file
// with another digest is refused, since its outputs would be misread.
func (c Card) Locate(dir string) (Model, error) {
	if dir == "" {
		dir = DefaultDir()
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
