package objects

import (
	"image"
	"testing"
)

// TestTiles: a crop the model would shrink by 1.3 or more is covered by
// at most maxTiles overlapping tiles as tall as it (as wide, standing),
// the first at its start and the last at its end; a crop the model keeps
// near its scale is looked at whole. The model's input is 416x416.
func TestTiles(t *testing.T) {
	in := image.Pt(416, 416)
	cases := []struct {
		name string
		crop image.Rectangle
		want []image.Rectangle
	}{
		{"smaller than the input: whole", image.Rect(10, 20, 310, 220), []image.Rectangle{image.Rect(10, 20, 310, 220)}},
		{"768x432 frame: two 432 squares", image.Rect(0, 0, 768, 432),
			[]image.Rectangle{image.Rect(0, 0, 432, 432), image.Rect(336, 0, 768, 432)}},
		{"768x576 (gain 1.33): two 576 squares", image.Rect(0, 0, 768, 576),
			[]image.Rectangle{image.Rect(0, 0, 576, 576), image.Rect(192, 0, 768, 576)}},
		{"500x450 (gain 1.11): whole", image.Rect(0, 0, 500, 450), []image.Rectangle{image.Rect(0, 0, 500, 450)}},
		{"a thin band 1000x200: two tiles of 500", image.Rect(0, 100, 1000, 300),
			[]image.Rectangle{image.Rect(0, 100, 500, 300), image.Rect(500, 100, 1000, 300)}},
		{"standing 300x900 at an offset: two of 450", image.Rect(50, 60, 350, 960),
			[]image.Rectangle{image.Rect(50, 60, 350, 510), image.Rect(50, 510, 350, 960)}},
		{"1920x1080: two 1080 squares", image.Rect(0, 0, 1920, 1080),
			[]image.Rectangle{image.Rect(0, 0, 1080, 1080), image.Rect(840, 0, 1920, 1080)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tiles(c.crop, in)
			if len(got) != len(c.want) {
				t.Fatalf("tiles %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] || !got[i].In(c.crop) {
					t.Fatalf("tiles %v, want %v, all inside %v", got, c.want, c.crop)
				}
			}
		})
	}
}
