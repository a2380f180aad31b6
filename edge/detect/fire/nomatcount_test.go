//go:build !matprofile

package fire

// matCount is -1 without the matprofile build tag: leaks are not counted.
func matCount() int { return -1 }
