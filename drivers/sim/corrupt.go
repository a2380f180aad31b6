package sim

import "math/rand/v2"

// corrupter breaks picture NAL units on their way out, the way a bad link
// or a failing encoder would, while the RTP stays well-formed: bytes are
// flipped inside units, fragments are cut short, sizes in aggregation
// packets stay true. Parameter sets are spared: losing those is a
// different failure (see Inband).
type corrupter struct {
	rng *rand.Rand
	// scratch holds the broken copy: scene payloads are shared, never
	// written.
	scratch []byte
	// inNAL tells that the fragments of the current NAL unit are broken.
	inNAL bool
}

func newCorrupter(seed uint64) *corrupter {
	return &corrupter{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), scratch: make([]byte, 0, 1500)}
}

// The payload layouts of RFC 6184 and RFC 7798 that matter here.
const (
	single = iota
	fragment
	aggregate
)

// apply returns payload, or a broken copy of it, breaking each picture NAL
// unit with probability frac.
func (c *corrupter) apply(codec Codec, payload []byte, frac float64) []byte {
	kind, hdr := layout(codec, payload)
	switch {
	case len(payload) <= hdr:
		return payload
	case kind == aggregate:
		return c.aggregate(codec, payload, hdr, frac)
	case kind == fragment:
		return c.fragment(codec, payload, hdr, frac)
	}
	if !isVCL(codec, payload) || !c.roll(frac) {
		return payload
	}
	out := append(c.scratch[:0], payload...)
	c.flip(out[hdr:])
	return out
}

func (c *corrupter) fragment(codec Codec, p []byte, hdr int, frac float64) []byte {
	fu := p[hdr-1] // the FU header: S, E and the unit's type
	first, last := fu&0x80 != 0, fu&0x40 != 0
	vcl := fu&0x1f >= 1 && fu&0x1f <= 5
	if codec == H265 {
		vcl = fu&0x3f < 32
	}
	broken := c.inNAL
	if first {
		broken = vcl && c.roll(frac)
	}
	c.inNAL = broken && !last
	if !broken {
		return p
	}
	out := append(c.scratch[:0], p...)
	if c.rng.IntN(2) == 0 {
		return out[:hdr+max((len(out)-hdr)/2, 1)]
	}
	c.flip(out[hdr:])
	return out
}

func (c *corrupter) aggregate(codec Codec, p []byte, hdr int, frac float64) []byte {
	nalHdr := 1
	if codec == H265 {
		nalHdr = 2
	}
	var out []byte
	for i := hdr; i+2 < len(p); {
		size := int(p[i])<<8 | int(p[i+1])
		unit := i + 2
		i = unit + size
		if i > len(p) || size <= nalHdr || !isVCL(codec, p[unit:i]) || !c.roll(frac) {
			continue
		}
		if out == nil {
			out = append(c.scratch[:0], p...)
		}
		c.flip(out[unit+nalHdr : i])
	}
	if out == nil {
		return p
	}
	return out
}

func (c *corrupter) roll(frac float64) bool {
	return frac > 0 && c.rng.Float64() < frac
}

// flip changes one to four random bytes of b.
func (c *corrupter) flip(b []byte) {
	for range 1 + c.rng.IntN(4) {
		b[c.rng.IntN(len(b))] ^= byte(1 + c.rng.IntN(255))
	}
}

// layout tells how a payload carries NAL units and how many header bytes
// precede the data that may be broken.
func layout(codec Codec, p []byte) (kind, hdr int) {
	if codec == H265 {
		if len(p) < 2 {
			return single, len(p) + 1
		}
		switch (p[0] >> 1) & 0x3f {
		case 48:
			return aggregate, 2
		case 49:
			return fragment, 3
		}
		return single, 2
	}
	if len(p) < 1 {
		return single, 1
	}
	switch p[0] & 0x1f {
	case 24:
		return aggregate, 1
	case 28:
		return fragment, 2
	}
	return single, 1
}

// isVCL tells whether a NAL unit is a picture slice.
func isVCL(codec Codec, n []byte) bool {
	if codec == H265 {
		return len(n) > 0 && (n[0]>>1)&0x3f < 32
	}
	return len(n) > 0 && n[0]&0x1f >= 1 && n[0]&0x1f <= 5
}
