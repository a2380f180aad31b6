package objects

import "image"

// Tiling (SAHI-style) of a crop the model would shrink a lot.
//
// The model sees its input (416 px for YOLOX-nano) whatever the crop: a
// 768x432 frame is shrunk to 0.54, a 1920x1080 one to 0.22, and what is
// small or seen from an unusual angle loses the detail the model needs.
// Cars seen from straight above, whole in a 768x432 frame, score 0.00–0.4
// there and 0.5–0.9 in a 432x432 tile of the same frame (near native
// scale). This holds for any camera, not for one clip: it only depends on
// how much the crop is shrunk, and wide crops (16:9 frames, motion across
// the picture) are shrunk the most.
const (
	// tileGain: tiles are used only when they enlarge the picture the
	// model sees by at least this factor over one forward of the crop;
	// less is not worth another forward.
	tileGain = 1.3
	// maxTiles bounds the forwards of a closer look: a frame that needs
	// one costs 1 + maxTiles forwards, any other one.
	maxTiles = 2
)

// tiles covers r with at most maxTiles square tiles along its longer side,
// overlapping, each as large as r's shorter side (at least the model's
// input side, when r allows): r itself when tiling would not enlarge the
// picture by tileGain. in is the model's input size.
func tiles(r image.Rectangle, in image.Point) []image.Rectangle {
	long, short := max(r.Dx(), r.Dy()), min(r.Dx(), r.Dy())
	inSide := min(in.X, in.Y)
	if long <= inSide {
		return []image.Rectangle{r} // the model enlarges it already
	}
	// Each tile's side: the shorter side, or the model's input side when
	// the crop is thinner, or long/maxTiles when more would be needed.
	side := max(short, min(inSide, long), (long+maxTiles-1)/maxTiles)
	if float64(long)/float64(side) < tileGain {
		return []image.Rectangle{r}
	}
	n := (long + side - 1) / side
	out := make([]image.Rectangle, 0, n)
	for i := 0; i < n; i++ {
		// Evenly spread: the first at the start, the last at the end.
		o := 0
		if n > 1 {
			o = i * (long - side) / (n - 1)
		}
		if r.Dx() >= r.Dy() {
			out = append(out, image.Rect(r.Min.X+o, r.Min.Y, r.Min.X+o+side, r.Max.Y))
		} else {
			out = append(out, image.Rect(r.Min.X, r.Min.Y+o, r.Max.X, r.Min.Y+o+side))
		}
	}
	return out
}
