package fire

// #cgo CFLAGS: -O3
// #include "pixels.h"
import "C"

import "unsafe"

// The per-pixel loops run in C (pixels.c), where the compiler vectorises
// them: several times faster than the Go they replaced, which
// pixels_test.go keeps as the reference they must match bit for bit. Go
// passes its slices for the call only; C keeps no pointer to them.

// u8 is the C pointer to b's first byte, nil for an empty slice.
func u8(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// f32 is the C pointer to f's first float.
func f32(f []float32) *C.float { return (*C.float)(unsafe.Pointer(&f[0])) }

// cBool is 1 for true, 0 for false.
func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
