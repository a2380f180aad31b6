package sim

import (
	"testing"
	"time"
)

// TestClipSpec checks how a recorded file's stream is turned into a
// camera's: its own rate rounded and bounded, even sizes, scaled down
// only when asked.
func TestClipSpec(t *testing.T) {
	for _, c := range []struct {
		info      ClipInfo
		spec      ClipSpec
		w, h, fps int
	}{
		{ClipInfo{Width: 768, Height: 432, FPS: 12.5}, ClipSpec{}, 768, 432, 13},
		{ClipInfo{Width: 1920, Height: 1080, FPS: 59.94}, ClipSpec{}, 1920, 1080, 30},
		{ClipInfo{Width: 1920, Height: 1080, FPS: 25}, ClipSpec{MaxWidth: 640, FPS: 5}, 640, 360, 5},
		{ClipInfo{Width: 258, Height: 247, FPS: 30}, ClipSpec{}, 258, 246, 30},
		{ClipInfo{Width: 640, Height: 360, FPS: 0.2}, ClipSpec{MaxWidth: 1280}, 640, 360, 1},
	} {
		s := clipSpec(c.info, c.spec)
		if s.Width != c.w || s.Height != c.h || s.FPS != c.fps || s.GOP != 2*time.Second || s.Kind != Clip {
			t.Errorf("%+v %+v: %dx%d %d fps gop %v, want %dx%d %d fps gop 2s", c.info, c.spec, s.Width, s.Height, s.FPS, s.GOP, c.w, c.h, c.fps)
		}
	}
	for in, want := range map[string]float64{"30000/1001": 29.97002997002997, "25/2": 12.5, "10": 10, "0/0": 0, "x/1": 0} {
		if got := rate(in); got != want {
			t.Errorf("rate(%q) = %v, want %v", in, got, want)
		}
	}
}
