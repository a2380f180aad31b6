package sim

import (
	"bytes"
	"testing"
)

// Fuzzed: any RTP payload of either codec. Breaking never panics, never
// writes the shared input, never grows it, and keeps the first byte that
// tells a depacketizer how to read the payload.
func FuzzCorrupter(f *testing.F) {
	f.Add([]byte{0x7c, 0x85, 1, 2, 3}, false)                // H.264 FU-A start of an IDR
	f.Add([]byte{0x78, 0, 3, 0x65, 1, 2, 0, 2, 0x41}, false) // H.264 STAP-A
	f.Add([]byte{0x62, 1, 0x93, 4, 5}, true)                 // H.265 FU
	f.Add([]byte{0x60, 1, 0, 4, 0x02, 1, 7, 8}, true)        // H.265 AP
	f.Fuzz(func(t *testing.T, payload []byte, hevc bool) {
		codec := H264
		if hevc {
			codec = H265
		}
		c := newCorrupter(1)
		orig := bytes.Clone(payload)
		out := c.apply(codec, payload, 1)
		if !bytes.Equal(payload, orig) {
			t.Fatal("the shared payload was written")
		}
		if len(out) > len(payload) || (len(payload) > 0 && out[0] != payload[0]) {
			t.Fatalf("%x became %x", payload, out)
		}
	})
}
