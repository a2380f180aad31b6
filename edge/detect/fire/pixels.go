package fire

// #cgo CFLAGS: -O3
// #include "pixels.h"
import "C"

import "github.com/argus-edge/argus/edge/detect/internal/cslice"

// The per-pixel loops run in C (pixels.c), where the compiler vectorises
// them: several times faster than the Go they replaced, which
// pixels_test.go keeps as the reference they must match bit for bit.

// u8 is the C pointer to b's first byte, nil for an empty slice.
func u8(b []byte) *C.uint8_t { return (*C.uint8_t)(cslice.Bytes(b)) }

// u16 is the C pointer to v's first element, nil for an empty slice.
func u16(v []uint16) *C.uint16_t { return (*C.uint16_t)(cslice.Uint16s(v)) }

// f32 is the C pointer to f's first float.
func f32(f []float32) *C.float { return (*C.float)(cslice.Floats(f)) }

// cBool is 1 for true, 0 for false.
func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
