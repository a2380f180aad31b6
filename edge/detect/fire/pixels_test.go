package fire

import (
	"fmt"
	"image"
	"math/rand"
	"testing"
)

// addRef is the Go (*Fire).add replaced by pixels.c: the reference.
func addRef(d *Fire, n int, a int, near bool) {
	old := d.masks[d.next][:n]
	prev := d.masks[(d.next+Window-1)%Window][:n]
	on, flips, bin := d.on[:n], d.flips[:n], d.bin[:n]
	bgr, mask := d.pic.bgr[:3*n], d.pic.mask
	first := d.frames == 0
	lit, changed := 0, 0
	for i := range n {
		p := bgr[3*i : 3*i+3 : 3*i+3]
		col := flame(p[0], p[1], p[2])
		b, g, r := int(p[0]), int(p[1]), int(p[2])
		lum := (29*b + 150*g + 77*r + 128) >> 8
		chr := max(0, r-b)
		fl, fc := lum<<8, 0
		if col {
			fc = 65535
		}
		bl, bc := int(d.bg[i]), int(d.colour[i])
		if first {
			bl, bc = fl, fc
		}
		var pm byte
		if !first {
			pm = prev[i] & 1
		}
		limit := brighter << 8
		if pm == 1 {
			limit = dimmer << 8
		}
		var m, mc byte
		if col && (mask == nil || mask[i] == 0) {
			mc = 1
			lifted := fl-bl >= lift<<8 || (pm == 1 && fl-bl >= 0)
			if (bc < newColour && lifted) || fl-bl >= limit {
				m = 1
			}
		}
		var flip byte
		w, h := d.pic.size.X, d.pic.size.Y
		x, y := i%w, i/w
		inside := x-d.dx >= 0 && x-d.dx < w && y-d.dy >= 0 && y-d.dy < h
		j := i
		if inside {
			j = i - (d.dy*w + d.dx)
		}
		if abs(lum-int(d.plum[i])) >= flickLight && near {
			changed++
		}
		dl := min(abs(lum-int(d.plum[j])), abs(lum-int(d.plum[i])))
		dc := min(abs(chr-int(d.pchr[j])), abs(chr-int(d.pchr[i])))
		moved := dl >= flickLight || dc >= flickLight
		if !first && near && (m == 1 || pm == 1) && moved && inside {
			flip = 1
		}
		o := old[i]
		c := on[i] - o&1 + m
		f := flips[i] - o>>1&1 + flip
		on[i], flips[i], old[i] = c, f, m|flip<<1|mc<<2
		d.colours[i] = d.colours[i] - o>>2&1 + mc
		ai := a
		if d.freeze[i] != 0 {
			ai = 0
		}
		d.bg[i] = uint16(bl + ai*(fl-bl)>>12)
		d.colour[i] = uint16(bc + ai*(fc-bc)>>12)
		d.lumNext[i], d.chrNext[i] = byte(lum), byte(min(255, chr))
		var out byte
		if c >= Window/4 || (f >= minFlips && d.colours[i] > 0) {
			out = 255
			lit++
		}
		bin[i] = out
	}
	d.lit, d.changed = lit, changed
	d.plum, d.lumNext = d.lumNext, d.plum
	d.pchr, d.chrNext = d.chrNext, d.pchr
}

// countRef is the former (*Fire).count: the reference.
func countRef(d *Fire, r region, labels []uint16) counts {
	var c counts
	w := d.pic.size.X
	for y := r.rect.Min.Y; y < r.rect.Max.Y; y++ {
		for i := y*w + r.rect.Min.X; i < y*w+r.rect.Max.X; i++ {
			if labels[i] != r.label {
				continue
			}
			if d.flips[i] >= 2 {
				c.flick++
			}
			c.flips += int(d.flips[i])
			for k := range Window {
				if m := int(d.masks[(d.next+k)%Window][i] >> 2 & 1); k < Window/2 {
					c.older += m
				} else {
					c.newer += m
				}
			}
		}
	}
	return c
}

// updateRef is the Go (*Smoke).update replaced by pixels.c: the reference.
func updateRef(d *Smoke, n int, fast, slow float32) (cands, held int) {
	sumLum, sumBg := 0, 0
	bgr, mask := d.pic.bgr[:3*n], d.pic.mask
	lum, tex, bgLum, bgLap := d.lum[:n], d.tex[:n], d.bgLum[:n], d.bgLap[:n]
	hold, bin := d.hold[:n], d.bin[:n]
	for i := range n {
		p := bgr[3*i : 3*i+3 : 3*i+3]
		b, g, r := int(p[0]), int(p[1]), int(p[2])
		grey := max(b, g, r)-min(b, g, r) <= greyness
		l, t := float32(lum[i]), float32(tex[i])
		diff := l - bgLum[i]
		change := l - d.gain*bgLum[i]
		smooth := t <= bgLap[i]*1.2+4
		cand := grey && smooth && (change > lighter || change < -lighter) && (mask == nil || mask[i] == 0)
		sumLum += int(lum[i])
		sumBg += int(bgLum[i])
		a, h := fast, hold[i]
		if cand {
			cands++
			h = min(h+2, 2*persist)
			a = slow
		} else if change < lighter/2 && change > -lighter/2 {
			h = 0
		} else if h > 0 {
			h--
		}
		hold[i] = h
		bgLum[i] += a * diff
		bgLap[i] += a * (t - bgLap[i])
		var on byte
		if h >= persist {
			on = 255
			held++
		}
		bin[i] = on
	}
	d.gain = exposure(sumLum, sumBg)
	return cands, held
}

// Simulated input: random pictures, some pixels drawn near the colour
// rules' thresholds so every branch is taken, random masks and states.

const pxW, pxH = 320, 180

func randBytes(rng *rand.Rand, n int, lo, hi int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(lo + rng.Intn(hi-lo+1))
	}
	return b
}

// randPicture is BGR noise mixed with flame-ish and grey pixels.
func randPicture(rng *rand.Rand, n int) []byte {
	p := randBytes(rng, 3*n, 0, 255)
	for i := 0; i < n; i++ {
		switch rng.Intn(3) {
		case 0: // near the flame rule's edges
			r := 140 + rng.Intn(116)
			g := max(0, r-rng.Intn(120))
			p[3*i], p[3*i+1], p[3*i+2] = byte(max(0, g-rng.Intn(40))), byte(g), byte(r)
		case 1: // near grey
			v := rng.Intn(216)
			p[3*i], p[3*i+1], p[3*i+2] = byte(v+rng.Intn(41)), byte(v+rng.Intn(41)), byte(v+rng.Intn(41))
		}
	}
	return p
}

func randMask(rng *rand.Rand, n int) []byte {
	if rng.Intn(2) == 0 {
		return nil
	}
	return randBytes(rng, n, 0, 1)
}

func equalBytes(t *testing.T, what string, a, b []byte) {
	t.Helper()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("%s differs at %d: %d vs reference %d", what, i, a[i], b[i])
		}
	}
}

// newFireState is a Fire of the small size with empty state.
func newFireState(n int, mask []byte) *Fire {
	d := &Fire{pic: small{size: image.Pt(pxW, pxH), mask: mask}}
	d.reset(n)
	d.pic.size = image.Pt(pxW, pxH)
	return d
}

// eachSeed runs check as subtests for seeds 1 to 4, each with its own
// random source and a random mask (nil half the time).
func eachSeed(t *testing.T, check func(t *testing.T, rng *rand.Rand, mask []byte)) {
	for seed := int64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			check(t, rng, randMask(rng, pxW*pxH))
		})
	}
}

// TestFireAddMatchesReference: the C add leaves the same state as the Go
// it replaced, frame after frame, through the window filling up.
func TestFireAddMatchesReference(t *testing.T) {
	n := pxW * pxH
	eachSeed(t, func(t *testing.T, rng *rand.Rand, mask []byte) {
		got, want := newFireState(n, mask), newFireState(n, mask)
		// A scene that holds still for a while flickers less: reuse frames.
		pics := [][]byte{randPicture(rng, n), randPicture(rng, n), randPicture(rng, n)}
		for f := range 3 * Window {
			got.pic.bgr = pics[rng.Intn(len(pics))]
			if rng.Intn(4) == 0 {
				got.pic.bgr = randPicture(rng, n)
			}
			want.pic.bgr = got.pic.bgr
			a := 1 + rng.Intn(400)
			if rng.Intn(3) == 0 { // a region held: its pixels are not learnt
				for i := range n / 3 {
					got.freeze[i], want.freeze[i] = 1, 1
				}
			}
			got.dx, got.dy = rng.Intn(41)-20, rng.Intn(21)-10
			want.dx, want.dy = got.dx, got.dy
			near := rng.Intn(5) != 0 // a fifth of the frames after a gap
			got.add(n, a, near)
			addRef(want, n, a, near)
			if got.lit != want.lit || got.changed != want.changed {
				t.Fatalf("frame %d: lit %d, reference %d", f, got.lit, want.lit)
			}
			equalBytes(t, "on", got.on, want.on)
			equalBytes(t, "flips", got.flips, want.flips)
			equalBytes(t, "colours", got.colours, want.colours)
			equalBytes(t, "bin", got.bin, want.bin)
			equalBytes(t, "map", got.masks[got.next], want.masks[want.next])
			equalBytes(t, "luma", got.plum, want.plum)
			equalBytes(t, "chroma", got.pchr, want.pchr)
			for i := range n { // same float32 operations in the same order: exact
				if got.bg[i] != want.bg[i] || got.colour[i] != want.colour[i] {
					t.Fatalf("frame %d: background differs at %d: %v, %v; reference %v, %v",
						f, i, got.bg[i], got.colour[i], want.bg[i], want.colour[i])
				}
			}
			for _, d := range []*Fire{got, want} {
				d.next = (d.next + 1) % Window
				d.frames++
			}
			if got.frames >= Window {
				checkCount(t, got, rng)
			}
		}
	})
}

// checkCount compares count with countRef on random label maps and regions.
func checkCount(t *testing.T, d *Fire, rng *rand.Rand) {
	t.Helper()
	labels := make([]uint16, pxW*pxH)
	for i := range labels {
		labels[i] = uint16(rng.Intn(3))
	}
	for range 4 {
		x0, y0 := rng.Intn(pxW), rng.Intn(pxH)
		r := region{rect: image.Rect(x0, y0, x0+rng.Intn(pxW-x0+1), y0+rng.Intn(pxH-y0+1)), label: uint16(rng.Intn(3))}
		if got, want := d.count(r, labels), countRef(d, r, labels); got != want {
			t.Fatalf("count %+v, reference %+v", got, want)
		}
	}
}

// newSmokeState is a Smoke of the small size with a random background.
func newSmokeState(rng *rand.Rand, n int, mask []byte) *Smoke {
	d := &Smoke{pic: small{size: image.Pt(pxW, pxH), mask: mask}}
	d.bgLum, d.bgLap = make([]float32, n), make([]float32, n)
	for i := range d.bgLum {
		d.bgLum[i], d.bgLap[i] = rng.Float32()*255, rng.Float32()*60
	}
	d.hold, d.bin = randBytes(rng, n, 0, 2*persist), make([]byte, n)
	d.gain = 1
	return d
}

// TestSmokeUpdateMatchesReference: the C update counts and leaves the
// same state as the Go it replaced, to the bit in the float backgrounds.
func TestSmokeUpdateMatchesReference(t *testing.T) {
	n := pxW * pxH
	eachSeed(t, func(t *testing.T, rng *rand.Rand, mask []byte) {
		got := newSmokeState(rng, n, mask)
		want := &Smoke{pic: got.pic, gain: 1, bgLum: append([]float32(nil), got.bgLum...),
			bgLap: append([]float32(nil), got.bgLap...), hold: append([]byte(nil), got.hold...), bin: make([]byte, n)}
		for f := range 40 {
			bgr, lum, tex := randPicture(rng, n), randBytes(rng, n, 0, 255), randBytes(rng, n, 0, 70)
			got.pic.bgr, got.lum, got.tex = bgr, lum, tex
			want.pic.bgr, want.lum, want.tex = bgr, lum, tex
			fast, slow := rng.Float32(), rng.Float32()/10
			gc, gh := got.update(n, fast, slow)
			wc, wh := updateRef(want, n, fast, slow)
			if gc != wc || gh != wh || got.gain != want.gain {
				t.Fatalf("frame %d: cands, held %d, %d; reference %d, %d", f, gc, gh, wc, wh)
			}
			equalBytes(t, "hold", got.hold, want.hold)
			equalBytes(t, "bin", got.bin, want.bin)
			for i := range n { // same float32 operations in the same order: exact
				if got.bgLum[i] != want.bgLum[i] || got.bgLap[i] != want.bgLap[i] {
					t.Fatalf("background differs at %d: %v, %v; reference %v, %v",
						i, got.bgLum[i], got.bgLap[i], want.bgLum[i], want.bgLap[i])
				}
			}
		}
	})
}

// BenchmarkFireAdd times one 320x180 pass of the C loop and of its Go
// reference.
func BenchmarkFireAdd(b *testing.B) {
	n := pxW * pxH
	rng := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		name string
		add  func(*Fire, int, int, bool)
	}{{"c", (*Fire).add}, {"goref", addRef}} {
		b.Run(c.name, func(b *testing.B) {
			d := newFireState(n, nil)
			d.pic.bgr, d.frames = randPicture(rng, n), Window
			for i := 0; i < b.N; i++ {
				c.add(d, n, 41, true)
				d.next = (d.next + 1) % Window
			}
		})
	}
}

// BenchmarkSmokeUpdate is the same for the smoke loop.
func BenchmarkSmokeUpdate(b *testing.B) {
	n := pxW * pxH
	rng := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		name   string
		update func(*Smoke, int, float32, float32) (int, int)
	}{{"c", (*Smoke).update}, {"goref", updateRef}} {
		b.Run(c.name, func(b *testing.B) {
			d := newSmokeState(rng, n, nil)
			d.pic.bgr, d.lum, d.tex = randPicture(rng, n), randBytes(rng, n, 0, 255), randBytes(rng, n, 0, 70)
			for i := 0; i < b.N; i++ {
				c.update(d, n, 0.01, 0.001)
			}
		})
	}
}

// BenchmarkFireCount counts a region the size of the picture.
func BenchmarkFireCount(b *testing.B) {
	n := pxW * pxH
	rng := rand.New(rand.NewSource(1))
	d := newFireState(n, nil)
	for _, m := range d.masks {
		copy(m, randBytes(rng, n, 0, 1))
	}
	labels := make([]uint16, n) // one region: the whole picture
	r := region{rect: image.Rect(0, 0, pxW, pxH), area: n}
	b.Run("go", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d.count(r, labels)
		}
	})
	b.Run("goref", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			countRef(d, r, labels)
		}
	})
}
