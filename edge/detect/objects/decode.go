package objects

import (
	"fmt"
	"image"
	"math"

	"github.com/argus-edge/argus/models"
)

// candidate is one box a model or a classic detector proposes, in frame
// pixels, before NMS.
type candidate struct {
	class int
	score float32
	rect  image.Rectangle
}

// placement maps the network's input pixels back to the frame: frame =
// origin + input / scale, per axis (one scale for letterbox, two for a
// stretch).
type placement struct {
	origin         image.Point
	scaleX, scaleY float64
	bound          image.Rectangle // the crop, in frame pixels
}

func (p placement) rect(x0, y0, x1, y1 float64) image.Rectangle {
	r := image.Rect(
		p.origin.X+int(x0/p.scaleX), p.origin.Y+int(y0/p.scaleY),
		p.origin.X+int(math.Ceil(x1/p.scaleX)), p.origin.Y+int(math.Ceil(y1/p.scaleY)))
	return r.Intersect(p.bound)
}

// decodeYOLOX reads YOLOX's [1, N, 5+classes] output: rows are the stride
// grids, row-major per grid, each [x, y, w, h, objectness, class scores]
// with objectness and scores already activated.
func decodeYOLOX(d []float32, dims []int, c models.Card, nClasses int, min float32, p placement, keep func(int) bool) ([]candidate, error) {
	rows := 0
	for _, s := range c.Post.Strides {
		rows += (c.Input.Width / s) * (c.Input.Height / s)
	}
	width := 5 + nClasses
	if len(dims) != 3 || dims[0] != 1 || dims[1] != rows || dims[2] != width || len(d) != rows*width {
		return nil, fmt.Errorf("yolox output %v (%d values), want [1 %d %d]", dims, len(d), rows, width)
	}
	var out []candidate
	i := 0
	for _, s := range c.Post.Strides {
		gw, gh := c.Input.Width/s, c.Input.Height/s
		for gy := 0; gy < gh; gy++ {
			for gx := 0; gx < gw; gx++ {
				row := d[i*width : (i+1)*width]
				i++
				obj := row[4]
				if obj < min {
					continue // score = obj x class score <= obj
				}
				cls, best := argmax(row[5:])
				score := obj * best
				if score < min || !keep(cls) {
					continue
				}
				fs := float64(s)
				cx, cy := (float64(row[0])+float64(gx))*fs, (float64(row[1])+float64(gy))*fs
				w, h := math.Exp(float64(row[2]))*fs, math.Exp(float64(row[3]))*fs
				r := p.rect(cx-w/2, cy-h/2, cx+w/2, cy+h/2)
				if !r.Empty() {
					out = append(out, candidate{cls, score, r})
				}
			}
		}
	}
	return out, nil
}

// decodeFastestDet reads FastestDet's [1, 5+classes, H, W] map: per cell
// [obj, tx, ty, tw, th, class scores], obj and classes activated; box
// centre and size relative to the (stretched) input.
func decodeFastestDet(d []float32, dims []int, c models.Card, nClasses int, min float32, p placement, keep func(int) bool) ([]candidate, error) {
	if len(dims) != 4 || dims[0] != 1 || dims[1] != 5+nClasses || dims[2] < 1 || dims[3] < 1 ||
		len(d) != dims[1]*dims[2]*dims[3] {
		return nil, fmt.Errorf("fastestdet output %v (%d values), want [1 %d H W]", dims, len(d), 5+nClasses)
	}
	gh, gw := dims[2], dims[3]
	plane := gh * gw
	in := func(ch, cell int) float64 { return float64(d[ch*plane+cell]) }
	W, H := float64(c.Input.Width), float64(c.Input.Height)
	var out []candidate
	for cell := 0; cell < plane; cell++ {
		obj := in(0, cell)
		if obj <= 0 {
			continue
		}
		cls, best := 0, 0.0
		for k := 0; k < nClasses; k++ {
			if v := in(5+k, cell); v > best {
				cls, best = k, v
			}
		}
		score := float32(math.Pow(obj, 0.6) * math.Pow(best, 0.4))
		if score < min || !keep(cls) {
			continue
		}
		gx, gy := float64(cell%gw), float64(cell/gw)
		cx := (gx + math.Tanh(in(1, cell))) / float64(gw) * W
		cy := (gy + math.Tanh(in(2, cell))) / float64(gh) * H
		w, h := sigmoid(in(3, cell))*W, sigmoid(in(4, cell))*H
		r := p.rect(cx-w/2, cy-h/2, cx+w/2, cy+h/2)
		if !r.Empty() {
			out = append(out, candidate{cls, score, r})
		}
	}
	return out, nil
}

func argmax(v []float32) (int, float32) {
	k, best := 0, float32(-1)
	for i, x := range v {
		if x > best {
			k, best = i, x
		}
	}
	return k, best
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
