// Package cslice hands Go slices to the detectors' C loops (cgo types are
// per package, so each converts the unsafe.Pointer to its own C type). The
// C side uses the memory for the call only and keeps no pointer to it.
package cslice

import "unsafe"

// Bytes is the address of b's first byte, nil for an empty slice.
func Bytes(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// Floats is the address of f's first element, nil for an empty slice.
func Floats(f []float32) unsafe.Pointer {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Pointer(&f[0])
}

// Uint16s is the address of v's first element, nil for an empty slice.
func Uint16s(v []uint16) unsafe.Pointer {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Pointer(&v[0])
}
