package health

import "math"

// edges writes the gradient magnitude (|dx| + |dy|, central
// differences) of an 8-bit picture into out; borders stay 0.
func edges(p []byte, w, h int, out []float32) {
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			dx := int(p[i+1]) - int(p[i-1])
			dy := int(p[i+w]) - int(p[i-w])
			out[i] = float32(iabs(dx) + iabs(dy))
		}
	}
}

// edges32 is edges of a float picture.
func edges32(p []float32, w, h int, out []float32) {
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			out[i] = abs(p[i+1]-p[i-1]) + abs(p[i+w]-p[i-w])
		}
	}
}

// correlation is the normalised cross-correlation of two maps over the
// unmasked pixels: 1 for the same structure, about 0 for unrelated ones.
// Flat maps (no structure to compare) count as the same.
func correlation(a, b []float32, mask []byte) float64 {
	var sa, sb, saa, sbb, sab float64
	n := 0
	for i := range a {
		if mask != nil && mask[i] != 0 {
			continue
		}
		x, y := float64(a[i]), float64(b[i])
		sa += x
		sb += y
		saa += x * x
		sbb += y * y
		sab += x * y
		n++
	}
	if n == 0 {
		return 1
	}
	fn := float64(n)
	va, vb := saa-sa*sa/fn, sbb-sb*sb/fn
	if va < 1e-6*fn || vb < 1e-6*fn {
		return 1
	}
	return (sab - sa*sb/fn) / math.Sqrt(va*vb)
}

// abs clears the sign bit: no branch, which noise would make a coin toss.
func abs(v float32) float32 {
	return math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
}

func iabs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
