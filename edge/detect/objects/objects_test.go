package objects

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/clip"
	"github.com/argus-edge/argus/edge/detect/motion"
	"github.com/argus-edge/argus/edge/frame"
	"github.com/argus-edge/argus/models"
)

func TestMain(m *testing.M) {
	models.VetChild()
	os.Exit(m.Run())
}

// vtest decodes n frames of OpenCV's vtest.avi (real pedestrians, 768x576)
// every step-th frame; without it (make deps) the test fails.
func vtest(t testing.TB, n, step int) []*frame.Frame {
	t.Helper()
	p := clip.VTestPath()
	if p == "" {
		t.Fatal("no vtest.avi: make deps extracts it (make vtest)")
	}
	fs, err := clip.Decode(p, 0, n, step, 10)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// modelDir returns the model directory holding the card's file: the
// repository's models/ (or $ARGUS_MODEL_DIR). The models are committed, so
// a missing one fails the test.
func modelDir(t testing.TB, name string) string {
	t.Helper()
	c, err := models.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	dir := models.DefaultDir()
	if _, err := os.Stat(filepath.Join(dir, c.File)); err != nil {
		t.Fatalf("no model %s in the model directory %q (searched %v): models/ is part of the repository", name, dir, models.SearchDirs())
	}
	return dir
}

func inUnit(b detect.Box) bool {
	return b.X >= 0 && b.Y >= 0 && b.W > 0 && b.H > 0 && b.X+b.W <= 1+1e-9 && b.Y+b.H <= 1+1e-9
}

// TestModelsOnVTest: both models find people (score >= 0.5) in every one
// of 20 real frames, whole-frame.
func TestModelsOnVTest(t *testing.T) {
	frames := vtest(t, 20, 10)
	for _, name := range models.Names() {
		t.Run(name, func(t *testing.T) {
			before := matCount()
			d, err := New(detect.Settings{Camera: "vtest", Model: name, ModelDir: modelDir(t, name)})
			if err != nil {
				t.Fatal(err)
			}
			if d.Model() != name {
				t.Fatalf("model %s, want %s", d.Model(), name)
			}
			people, vehicles := 0, map[string]int{}
			start := time.Now()
			for i, f := range frames {
				dets, err := d.Detect(f, nil)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, x := range dets {
					if !inUnit(x.Box) || x.Score < 0.5 || x.Score > 1 {
						t.Fatalf("frame %d: bad detection %+v", i, x)
					}
					switch x.Kind {
					case detect.Person:
						n++
					case detect.Vehicle:
						vehicles[x.Label]++
					default:
						t.Fatalf("frame %d: kind %q", i, x.Kind)
					}
				}
				if n == 0 {
					t.Fatalf("frame %d: no person found by %s: %+v", i, name, dets)
				}
				people += n
			}
			per := time.Since(start) / time.Duration(len(frames))
			t.Logf("%s: %.1f people/frame, vehicles %v, %v per 768x576 frame (whole frame)",
				name, float64(people)/float64(len(frames)), vehicles, per.Round(time.Millisecond))
			d.Close()
			if after := matCount(); before >= 0 && after != before {
				t.Errorf("Mats leaked: %d before, %d after", before, after)
			}
		})
	}
}

// TestMotionRegions runs the real pipeline: motion regions of consecutive
// vtest frames, then YOLOX on those crops only.
func TestMotionRegions(t *testing.T) {
	dir := modelDir(t, models.Default)
	frames := vtest(t, 30, 1)
	m, err := motion.New(detect.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	d, err := New(detect.Settings{ModelDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	found, looked := 0, 0
	for i, f := range frames {
		moving, err := m.Detect(f, nil)
		regions := boxes(moving)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 || len(regions) == 0 {
			continue
		}
		looked++
		dets, err := d.Detect(f, regions)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range dets {
			if x.Kind == detect.Person {
				found++
				break
			}
		}
	}
	t.Logf("people found on motion crops in %d of %d frames with motion", found, looked)
	if looked == 0 || found < looked*3/4 {
		t.Fatalf("people in %d of %d frames", found, looked)
	}
	if dets, _ := d.Detect(frames[0], []detect.Box{}); len(dets) != 0 {
		t.Fatalf("no motion, yet %v", dets)
	}
}

// TestIdleModeLuma: without BGR the luma is used, still finding people.
func TestIdleModeLuma(t *testing.T) {
	dir := modelDir(t, models.Default)
	frames := vtest(t, 5, 20)
	d, err := New(detect.Settings{ModelDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i, f := range frames {
		dets, err := d.Detect(clip.Idle(f), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(dets) == 0 {
			t.Errorf("idle frame %d: nothing found", i)
		}
	}
}

// TestMasksDropBoxes: on real vtest frames, whole-frame, a mask over the
// left or the right half drops every detection centred in it and keeps
// every other one, as found without the mask.
func TestMasksDropBoxes(t *testing.T) {
	dir := modelDir(t, models.Default)
	frames := vtest(t, 5, 40)
	find := func(masks []detect.Polygon) [][]detect.Detection {
		d, err := New(detect.Settings{ModelDir: dir, Masks: masks})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out := make([][]detect.Detection, len(frames))
		for i, f := range frames {
			if out[i], err = d.Detect(f, nil); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	all := find(nil)
	half := func(x0, x1 float64) detect.Polygon {
		return detect.Polygon{{X: x0, Y: 0}, {X: x1, Y: 0}, {X: x1, Y: 1}, {X: x0, Y: 1}}
	}
	cases := []struct {
		name   string
		mask   detect.Polygon
		masked func(centreX float64) bool
	}{
		{"left half masked", half(0, 0.5), func(x float64) bool { return x < 0.5 }},
		{"right half masked", half(0.5, 1), func(x float64) bool { return x > 0.5 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := find([]detect.Polygon{c.mask})
			kept, dropped := 0, 0
			for i := range frames {
				var want []detect.Detection
				for _, x := range all[i] {
					if c.masked(x.Box.X + x.Box.W/2) {
						dropped++
						continue
					}
					want = append(want, x)
				}
				kept += len(want)
				if fmt.Sprint(got[i]) != fmt.Sprint(want) {
					t.Fatalf("frame %d: %+v, want %+v", i, got[i], want)
				}
			}
			t.Logf("%d detections kept, %d dropped in %d frames", kept, dropped, len(frames))
			if kept == 0 || dropped == 0 {
				t.Fatalf("%d kept, %d dropped: vtest should have people on both halves", kept, dropped)
			}
		})
	}
}

// TestWrongOrCorruptModelRefused: a file with the card's name but other
// bytes is refused by its digest; garbage and a truncated real model are
// refused by vetting in a child while this process lives on.
func TestWrongOrCorruptModelRefused(t *testing.T) {
	c, _ := models.Lookup(models.Default)
	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, "yolox-nano"), 0o755)
	os.WriteFile(filepath.Join(bad, c.File), []byte("garbage"), 0o644)
	if _, err := New(detect.Settings{ModelDir: bad}); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("wrong model file: %v", err)
	}
	real, err := os.ReadFile(filepath.Join(modelDir(t, models.Default), c.File))
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(bad, "truncated.onnx")
	os.WriteFile(trunc, real[:len(real)/3], 0o644)
	junk := filepath.Join(bad, "junk.onnx")
	os.WriteFile(junk, []byte(strings.Repeat("\x08\x07onnx?", 999)), 0o644)
	for _, p := range []string{trunc, junk} {
		err := models.Vet(p)
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("%s: %v", p, err)
		}
		t.Logf("%v", err)
	}
}

// TestFallbackOnVTest: with no model installed the classic detectors run
// (HOG on motion crops of consecutive frames, Haar on whole frames). Their
// recall is printed against YOLOX-nano's people when that model is here.
func TestFallbackOnVTest(t *testing.T) {
	frames := vtest(t, 40, 1)
	d, err := New(detect.Settings{ModelDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Model() != "classic" {
		t.Fatalf("model %s, want the classic fallback", d.Model())
	}
	var ref *Detector
	if c, _ := models.Lookup(models.Default); fileExists(filepath.Join(models.DefaultDir(), c.File)) {
		if ref, err = New(detect.Settings{}); err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
	}
	m, _ := motion.New(detect.Settings{})
	defer m.Close()
	var crops, whole recall
	var cost [2]time.Duration
	for i, f := range frames {
		moving, _ := m.Detect(f, nil)
		regions := boxes(moving)
		var truth []detect.Detection
		if ref != nil {
			all, _ := ref.Detect(f, nil)
			for _, x := range all {
				if x.Kind == detect.Person {
					truth = append(truth, x)
				}
			}
		}
		if i > 0 && len(regions) > 0 {
			start := time.Now()
			got, err := d.Detect(f, regions)
			if err != nil {
				t.Fatal(err)
			}
			cost[0] += time.Since(start)
			crops.add(got, truth)
		}
		if i%4 == 0 {
			start := time.Now()
			got, err := d.Detect(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			cost[1] += time.Since(start)
			whole.add(got, truth)
		}
	}
	t.Logf("HOG on motion crops: %s, %v per frame", crops, (cost[0] / time.Duration(max(1, crops.frames))).Round(time.Millisecond))
	t.Logf("Haar full-body on whole frames: %s, %v per frame", whole, (cost[1] / time.Duration(max(1, whole.frames))).Round(time.Millisecond))
	if crops.withPeople+whole.withPeople == 0 {
		t.Fatal("the classic detectors found no one in any frame")
	}
}

// recall counts classic detections against reference people.
type recall struct{ frames, withPeople, found, truth, matched int }

func (r *recall) add(got, truth []detect.Detection) {
	r.frames++
	if len(got) > 0 {
		r.withPeople++
	}
	r.found += len(got)
	r.truth += len(truth)
	for _, x := range truth {
		for _, g := range got {
			if iou(x.Box, g.Box) >= 0.3 {
				r.matched++
				break
			}
		}
	}
}

func (r recall) String() string {
	s := fmt.Sprintf("people found in %d of %d frames (%d boxes)", r.withPeople, r.frames, r.found)
	if r.truth > 0 {
		s += fmt.Sprintf(", recall %.0f%% of YOLOX-nano's %d people (IoU >= 0.3)", 100*float64(r.matched)/float64(r.truth), r.truth)
	}
	return s
}

func iou(a, b detect.Box) float64 {
	x0, y0 := max(a.X, b.X), max(a.Y, b.Y)
	x1, y1 := min(a.X+a.W, b.X+b.W), min(a.Y+a.H, b.Y+b.H)
	if x1 <= x0 || y1 <= y0 {
		return 0
	}
	in := (x1 - x0) * (y1 - y0)
	return in / (a.W*a.H + b.W*b.H - in)
}

// boxes are the motion detector's regions, as the edge hands them over.
func boxes(dets []detect.Detection) []detect.Box {
	out := make([]detect.Box, len(dets))
	for i, d := range dets {
		out[i] = d.Box
	}
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// BenchmarkForward is one whole 768x576 vtest frame per model:
// letterbox or stretch, forward, decode, NMS.
func BenchmarkForward(b *testing.B) {
	frames := vtest(b, 4, 25)
	for _, name := range models.Names() {
		b.Run(name, func(b *testing.B) {
			d, err := New(detect.Settings{Model: name, ModelDir: modelDir(b, name)})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			d.Detect(frames[0], nil) // first forward allocates the layers
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := d.Detect(frames[i%len(frames)], nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
		})
	}
}

// BenchmarkTiles compares a look at a whole 768x576 vtest frame as one
// forward (the model shrinks it to 0.54) with Detect's look at it, tiled
// (two 576x576 tiles at 0.72, tiles.go) and followed by the second look:
// the cost of the tiling per analysed frame.
func BenchmarkTiles(b *testing.B) {
	frames := vtest(b, 4, 25)
	d, err := New(detect.Settings{ModelDir: modelDir(b, models.Default)})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	whole := image.Rect(0, 0, frames[0].Width, frames[0].Height)
	everywhere := []detect.Box{{W: 1, H: 1}}
	looks := map[string]func(f *frame.Frame) error{
		"one-forward": func(f *frame.Frame) error {
			_, err := d.runModel(f, []image.Rectangle{whole}, d.minScore)
			return err
		},
		"tiled": func(f *frame.Frame) error {
			_, err := d.Detect(f, everywhere)
			return err
		},
	}
	for _, name := range []string{"one-forward", "tiled"} {
		look := looks[name]
		b.Run(name, func(b *testing.B) {
			_ = look(frames[0]) // the first forward allocates the layers
			b.ResetTimer()
			cpu := cpuTime(b)
			for i := 0; i < b.N; i++ {
				if err := look(frames[i%len(frames)]); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time of the process (every OpenCV thread), robust to
			// other work on the machine, unlike the wall time.
			b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/frame")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
