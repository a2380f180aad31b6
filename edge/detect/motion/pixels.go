package motion

// #include "pixels.h"
import "C"

import "github.com/argus-edge/argus/edge/detect/internal/cslice"

// The per-pixel loops run in C (pixels.c), where the compiler vectorises
// them; pixels_test.go keeps the Go they replaced as the reference.

// u8 is the C pointer to b's first byte, nil for an empty slice.
func u8(b []byte) *C.uint8_t { return (*C.uint8_t)(cslice.Bytes(b)) }

// f32 is the C pointer to f's first float, nil for an empty slice.
func f32(f []float32) *C.float { return (*C.float)(cslice.Floats(f)) }
