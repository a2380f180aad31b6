package objects

import (
	"image"
	"testing"

	"github.com/argus-edge/argus/edge/detect"
)

// TestPlan: motion regions become crops grown by the margin, at least
// minCrop wide, merged where they overlap; the whole frame when there are
// none given, more than maxCrops, or the crops would cover more than
// wholeFraction (45%) of the frame. The frame is 1000x1000 px, so a box
// of side s (0..1) at the centre grows to 1.6 s and covers 2.56 s² of it.
func TestPlan(t *testing.T) {
	frame := image.Rect(0, 0, 1000, 1000)
	centred := func(s float64) detect.Box { return detect.Box{X: 0.5 - s/2, Y: 0.5 - s/2, W: s, H: s} }
	cases := []struct {
		name    string
		regions []detect.Box
		whole   bool
		crops   []image.Rectangle // when not whole
	}{
		{"nil: the whole frame", nil, true, nil},
		{"one region, grown by 0.3 of its side", []detect.Box{{X: 0.4, Y: 0.3, W: 0.1, H: 0.2}},
			false, []image.Rectangle{image.Rect(340, 240, 560, 560)}},
		{"a speck grows to minCrop", []detect.Box{{X: 0.5, Y: 0.5, W: 0.002, H: 0.002}},
			false, []image.Rectangle{image.Rect(477, 477, 525, 525)}},
		{"at the border, clipped to the frame", []detect.Box{{X: 0, Y: 0.9, W: 0.1, H: 0.1}},
			false, []image.Rectangle{image.Rect(0, 870, 130, 1000)}},
		{"two overlapping, merged", []detect.Box{{X: 0.1, Y: 0.1, W: 0.1, H: 0.1}, {X: 0.22, Y: 0.1, W: 0.1, H: 0.1}},
			false, []image.Rectangle{image.Rect(70, 70, 350, 230)}},
		{"two apart, two crops", []detect.Box{{X: 0.1, Y: 0.1, W: 0.1, H: 0.1}, {X: 0.7, Y: 0.7, W: 0.1, H: 0.1}},
			false, []image.Rectangle{image.Rect(70, 70, 230, 230), image.Rect(670, 670, 830, 830)}},
		{"crops on 44% of the frame", []detect.Box{centred(0.414)},
			false, []image.Rectangle{image.Rect(169, 169, 831, 831)}},
		{"crops on 47% of the frame: whole", []detect.Box{centred(0.43)}, true, nil},
		{"more than maxCrops: whole", []detect.Box{
			{X: 0.05, Y: 0.05, W: 0.02, H: 0.02}, {X: 0.3, Y: 0.05, W: 0.02, H: 0.02}, {X: 0.6, Y: 0.05, W: 0.02, H: 0.02},
			{X: 0.05, Y: 0.6, W: 0.02, H: 0.02}, {X: 0.6, Y: 0.6, W: 0.02, H: 0.02},
		}, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			crops, whole := plan(c.regions, 1000, 1000)
			if whole != c.whole {
				t.Fatalf("whole %v, want %v (crops %v)", whole, c.whole, crops)
			}
			if whole {
				if len(crops) != 1 || crops[0] != frame {
					t.Fatalf("whole frame as %v", crops)
				}
				return
			}
			if len(crops) != len(c.crops) {
				t.Fatalf("crops %v, want %v", crops, c.crops)
			}
			for i := range crops {
				if crops[i] != c.crops[i] {
					t.Fatalf("crops %v, want %v", crops, c.crops)
				}
			}
			for _, b := range c.regions { // every region inside a crop
				r, in := image.Rect(int(b.X*1000), int(b.Y*1000), int((b.X+b.W)*1000), int((b.Y+b.H)*1000)), false
				for _, cr := range crops {
					in = in || r.In(cr)
				}
				if !in {
					t.Fatalf("region %v in no crop of %v", r, crops)
				}
			}
		})
	}
}
