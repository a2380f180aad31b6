//go:build !matprofile

package motion

// matCount is -1 without the matprofile build tag: leaks are not counted.
func matCount() int { return -1 }
