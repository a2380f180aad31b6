package picture

import (
	"image"
	"testing"

	"gocv.io/x/gocv"
)

func BenchmarkShrinkModes(b *testing.B) {
	src := gocv.NewMatWithSize(1080, 1920, gocv.MatTypeCV8UC3)
	defer src.Close()
	gocv.RandU(&src, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
	dst := gocv.NewMat()
	defer dst.Close()
	mid := gocv.NewMat()
	defer mid.Close()
	sz := image.Pt(320, 180)
	for _, m := range []struct {
		name string
		f    func()
	}{
		{"area", func() { gocv.Resize(src, &dst, sz, 0, 0, gocv.InterpolationArea) }},
		{"linear", func() { gocv.Resize(src, &dst, sz, 0, 0, gocv.InterpolationLinear) }},
		{"nearest2x+area", func() {
			gocv.Resize(src, &mid, image.Pt(640, 360), 0, 0, gocv.InterpolationNearestNeighbor)
			gocv.Resize(mid, &dst, sz, 0, 0, gocv.InterpolationArea)
		}},
		{"Shrink", func() { Shrink(src, &dst, sz) }},
	} {
		b.Run(m.name, func(b *testing.B) {
			for range b.N {
				m.f()
			}
		})
	}
}
