package health

import (
	"fmt"
	"testing"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/clip"
	"github.com/argus-edge/argus/edge/frame"
)

// TestSimulatorScenes runs the detector over the simulator's own
// 1280x720 15 fps scenes (H.264 from ffmpeg, decoded by OpenCV) when its
// cache holds them: chemplant-black goes black at frame 150 and must be
// covered from 2 s later; the empty street and the fire raise nothing.
func TestSimulatorScenes(t *testing.T) {
	for _, scene := range []string{"black-h264-1280x720-15fps", "empty-h264-1280x720-15fps", "fire-h264-1280x720-15fps"} {
		for _, small := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/small=%v", scene, small), func(t *testing.T) { runScene(t, scene, small) })
		}
	}
}

// runScene runs the detector over one scene, idle frames, full-size or
// with the small picture.
func runScene(t *testing.T, scene string, small bool) {
	p := clip.SimScene(t, scene)
	d := newDetector(t)
	black := scene == "black-h264-1280x720-15fps"
	first := -1
	err := clip.Each(p, 15, func(n int, f *frame.Frame) bool {
		f = clip.Idle(f)
		if small {
			f = clip.Small(f)
		}
		dets, err := d.Detect(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		covered := len(dets) == 1 && dets[0].Kind == detect.CameraCovered
		if covered && first < 0 {
			first = n
		}
		if want := black && n >= 150+30; covered != want || (len(dets) > 0 && !covered) {
			t.Fatalf("frame %d: %+v", n, dets)
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if black {
		t.Logf("covered from frame %d (black from 150, 15 fps)", first)
	}
}
