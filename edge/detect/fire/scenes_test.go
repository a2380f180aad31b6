package fire

import (
	"fmt"
	"testing"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/clip"
	"github.com/argus-edge/argus/edge/frame"
)

// TestSimulatorScenes runs both detectors over the simulator's own
// 1280x720 15 fps scenes (ffmpeg-drawn, H.264, decoded by OpenCV) when
// its cache holds them: the fire and the plume appear at frame 45 (3 s)
// with ground-truth boxes; the empty street has nothing. Each runs on the
// full-size frames and on the small picture alone, as edge/decode hands
// it over to these detectors.
func TestSimulatorScenes(t *testing.T) {
	cases := []struct {
		scene, detector string
		truth           *detect.Box
	}{
		{"fire-h264-1280x720-15fps", FireName, &detect.Box{X: 0.52, Y: 0.50, W: 0.20, H: 0.35}},
		{"smoke-h264-1280x720-15fps", SmokeName, &detect.Box{X: 0.14, Y: 0.07, W: 0.42, H: 0.65}},
		{"empty-h264-1280x720-15fps", FireName, nil},
		{"empty-h264-1280x720-15fps", SmokeName, nil},
		{"fire-h264-1280x720-15fps", SmokeName, nil},
	}
	for _, c := range cases {
		for _, small := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/%s/small=%v", c.scene, c.detector, small), func(t *testing.T) {
				runScene(t, c.scene, c.detector, c.truth, small)
			})
		}
	}
}

// runScene runs one detector over one scene.
func runScene(t *testing.T, name, detector string, truth *detect.Box, small bool) {
	p := clip.SimScene(t, name)
	d := newDetector(t, detector)
	first, hits, frames := -1, 0, 0
	err := clip.Each(p, 15, func(n int, f *frame.Frame) bool {
		frames++
		if small {
			f = clip.Small(f)
		}
		dets, err := d.Detect(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range dets {
			if truth == nil || n < 45 || !overlaps(x.Box, *truth) {
				t.Fatalf("frame %d: %+v (truth %v)", n, x, truth)
			}
		}
		if len(dets) > 0 {
			hits++
			if first < 0 {
				first = n
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if truth != nil {
		if first < 0 {
			t.Fatalf("nothing found in %d frames", frames)
		}
		t.Logf("first found %.1f s after onset, in %d of %d frames after onset", float64(first-45)/15, hits, frames-45)
	}
}
