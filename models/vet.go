package models

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"
)

// Environment of a vetting child: the model path and the blank input's
// size ("416x416").
const (
	vetEnv      = "ARGUS_VET_MODEL"
	vetInputEnv = "ARGUS_VET_INPUT"
	vetOK       = "argus-vet ok"
	vetErr      = "argus-vet err: "
)

// VetTimeout bounds a vetting child: loading and one forward of a small
// model take well under a second.
var VetTimeout = 60 * time.Second

var (
	// childAware is set when this binary called VetChild, so that Vet
	// knows re-executing it lands in VetChild and not in a second edge.
	childAware atomic.Bool

	vetMu    sync.Mutex
	vetCache = map[string]error{} // by sha256
)

// VetChild must be the first call in main (and TestMain) of every binary
// that loads models. In a vetting child it loads the model named by the
// environment, runs one forward, prints the verdict and exits; in any other
// process it returns at once.
func VetChild() {
	p := os.Getenv(vetEnv)
	if p == "" {
		childAware.Store(true)
		return
	}
	w, h := parseInput(os.Getenv(vetInputEnv))
	if err := loadAndForward(p, w, h); err != nil {
		fmt.Println(vetErr + err.Error())
		os.Exit(1)
	}
	fmt.Println(vetOK)
	os.Exit(0)
}

// Vet loads the model file at path in a child process (this binary run
// again) and runs one forward pass on a blank picture, so that a file
// OpenCV cannot read kills the child, not us. Verdicts are cached by the
// file's sha256. The blank input has the size of the card with the same
// digest, else 416x416.
func Vet(path string) error {
	sum, err := FileSHA256(path)
	if err != nil {
		return fmt.Errorf("vet model: %w", err)
	}
	vetMu.Lock()
	defer vetMu.Unlock()
	if err, ok := vetCache[sum]; ok {
		return err
	}
	w, h := 416, 416
	if c, ok := bySHA(sum); ok {
		w, h = c.Input.Width, c.Input.Height
	}
	err = vetInChild(path, w, h)
	if err == nil || !errors.Is(err, errCannotVet) {
		vetCache[sum] = err
	}
	return err
}

// errCannotVet marks failures of the vetting itself, not of the model:
// they are not cached.
var errCannotVet = errors.New("cannot vet")

func vetInChild(path string, w, h int) error {
	if !childAware.Load() {
		return fmt.Errorf("vet model %s: %w: this binary does not call models.VetChild() first in main", path, errCannotVet)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("vet model %s: %w: %v", path, errCannotVet, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), VetTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), vetEnv+"="+path, fmt.Sprintf("%s=%dx%d", vetInputEnv, w, h))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	for _, l := range strings.Split(stdout.String(), "\n") {
		if l == vetOK && runErr == nil {
			return nil
		}
		if msg, ok := strings.CutPrefix(l, vetErr); ok {
			return fmt.Errorf("model %s refused: %s", path, msg)
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("vet model %s: %w: no verdict within %s", path, errCannotVet, VetTimeout)
	}
	// No verdict: OpenCV aborted the child. Its last stderr lines say why
	// (typically "terminate called after throwing an instance of
	// 'cv::Exception' ... what(): ...").
	return fmt.Errorf("model %s refused: OpenCV could not load or run it (vetting child: %v): %s",
		path, runErr, why(stderr.String()))
}

// loadAndForward is the child's work; it may abort the process.
func loadAndForward(p string, w, h int) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		return errors.New("empty file")
	}
	net := gocv.ReadNetFromONNX(p)
	defer net.Close()
	if net.Empty() {
		return errors.New("OpenCV read no network from it")
	}
	img := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(114, 114, 114, 0), h, w, gocv.MatTypeCV8UC3)
	defer img.Close()
	blob := gocv.BlobFromImage(img, 1, image.Pt(w, h), gocv.NewScalar(0, 0, 0, 0), false, false)
	defer blob.Close()
	net.SetInput(blob, "")
	out := net.Forward("")
	defer out.Close()
	if out.Empty() || out.Total() == 0 {
		return errors.New("the forward pass gave no output")
	}
	if out.Type() != gocv.MatTypeCV32F {
		return fmt.Errorf("output type %v, want 32-bit float", out.Type())
	}
	return nil
}

func parseInput(s string) (int, int) {
	a, b, ok := strings.Cut(s, "x")
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || w < 16 || h < 16 || w > 4096 || h > 4096 {
		return 416, 416
	}
	return w, h
}

// why picks the reason out of an aborted child's stderr: the C++
// exception's what() line, else the signal line, else the first line.
func why(stderr string) string {
	var first, signal string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if w, ok := strings.CutPrefix(l, "what():"); ok {
			return strings.TrimSpace(w)
		}
		if strings.HasPrefix(l, "SIG") && signal == "" {
			signal = l
		}
		if first == "" && l != "" {
			first = l
		}
	}
	switch {
	case signal != "":
		return signal
	case first != "":
		return first
	}
	return "no message"
}
