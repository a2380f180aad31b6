package motion

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
)

// differenceRef is the Go (*Detector).difference replaced by pixels.c:
// the reference.
func differenceRef(d *Detector, mv []byte) (changed, counted int) {
	var sumC, sumB, sqC, sqB float64
	n := 0
	for i, v := range d.cur {
		if d.mask != nil && d.mask[i] != 0 {
			continue
		}
		c, b := float64(v), float64(d.bg[i])
		sumC += c
		sumB += b
		sqC += c * c
		sqB += b * b
		n++
	}
	if n == 0 {
		clear(mv)
		return 0, 0
	}
	meanC, meanB := sumC/float64(n), sumB/float64(n)
	varC, varB := sqC/float64(n)-meanC*meanC, sqB/float64(n)-meanB*meanB
	gain := 1.0
	if varC > 4 && varB > 4 {
		gain = math.Max(0.2, math.Min(5, math.Sqrt(varB/varC)))
	}
	g, off := float32(gain), float32(meanB-meanC*gain)
	th := float32(d.threshold)
	for i, v := range d.cur {
		diff := float32(v)*g + off - d.bg[i]
		if (diff > th || -diff > th) && (d.mask == nil || d.mask[i] == 0) {
			mv[i] = 255
			changed++
			continue
		}
		mv[i] = 0
	}
	return changed, n
}

// updateRef is the Go (*Detector).update replaced by pixels.c: the
// reference.
func updateRef(d *Detector, bg []float32, moving []byte) {
	for i, v := range d.cur {
		a := float32(learn)
		if moving != nil && moving[i] != 0 {
			a = learnMoving
		}
		bg[i] += a * (float32(v) - bg[i])
	}
}

// pixelsDetector is a detector at w×h with a noisy picture, a background
// near it (moved by a brightness change, with a moving patch), and a
// mask over the left quarter when masked.
func pixelsDetector(t testing.TB, w, h int, masked bool, rng *rand.Rand) *Detector {
	d := newDetector(t, detect.Settings{}).(*Detector)
	n := w * h
	d.size = image.Pt(w, h)
	d.moving.Close()
	d.moving = gocv.NewMatWithSize(h, w, gocv.MatTypeCV8U)
	d.cur, d.bg = make([]byte, n), make([]float32, n)
	for i := range n {
		c := rng.IntN(256)
		d.cur[i] = byte(c)
		d.bg[i] = float32(c)*0.9 + 12 + float32(rng.NormFloat64()*6)
		if i%w > w/2 && i/w > h/2 {
			d.bg[i] = float32(rng.IntN(256)) + rng.Float32()
		}
	}
	if masked {
		d.mask = make([]byte, n)
		for i := range n {
			if i%w < w/4 {
				d.mask[i] = 1
			}
		}
	}
	return d
}

// TestPixelsMatchReference: the C difference and update give what the Go
// they replaced gave, on sizes that are and are not a multiple of the
// eight lanes, with and without a mask, and on a flat picture (a covered
// lens: no spread to match).
func TestPixelsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		w, h   int
		masked bool
		flat   bool
	}{
		{320, 180, false, false}, {320, 180, true, false}, {37, 11, false, false}, {37, 11, true, false},
		{1, 1, false, false}, {320, 180, false, true}, {8, 1, true, false},
	} {
		d := pixelsDetector(t, c.w, c.h, c.masked, rng)
		if c.flat {
			for i := range d.cur {
				d.cur[i] = 3
			}
		}
		want := make([]byte, len(d.cur))
		wantChanged, wantCounted := differenceRef(d, want)
		changed, counted := d.difference()
		got, err := d.moving.DataPtrUint8()
		if err != nil {
			t.Fatal(err)
		}
		if changed != wantChanged || counted != wantCounted || string(got) != string(want) {
			t.Errorf("%dx%d masked %v flat %v: changed %d of %d, want %d of %d; maps equal %v",
				c.w, c.h, c.masked, c.flat, changed, counted, wantChanged, wantCounted, string(got) == string(want))
		}
		if changed == 0 && c.w > 8 && !c.flat {
			t.Errorf("%dx%d: no pixel changed: the case tests nothing", c.w, c.h)
		}
		for _, moving := range [][]byte{nil, want} {
			ref := append([]float32(nil), d.bg...)
			updateRef(d, ref, moving)
			d.update(moving)
			for i := range ref {
				if math.Float32bits(ref[i]) != math.Float32bits(d.bg[i]) {
					t.Fatalf("%dx%d: update differs at %d: %v, want %v", c.w, c.h, i, d.bg[i], ref[i])
				}
			}
		}
	}
}

// BenchmarkDifference and BenchmarkUpdate time the loops on the small
// picture of a 16:9 camera (320x180).
func BenchmarkDifference(b *testing.B) {
	d := pixelsDetector(b, 320, 180, false, rand.New(rand.NewPCG(5, 6)))
	for b.Loop() {
		d.difference()
	}
}

func BenchmarkUpdate(b *testing.B) {
	d := pixelsDetector(b, 320, 180, false, rand.New(rand.NewPCG(5, 6)))
	mv, _ := d.moving.DataPtrUint8()
	for b.Loop() {
		d.update(mv)
	}
}
