// Package frame is the decoded picture that flows from edge/decode to the
// detectors: plain Go slices, so that detectors, rules and tests need no
// cgo to hold one. It imports nothing.
package frame

import "time"

// Frame is one decoded picture of a camera.
type Frame struct {
	// Camera is the camera id.
	Camera string
	// Time is the camera's wall-clock time of the picture (media.Unit.NTP).
	Time time.Time
	// PTS is the presentation time in 90 kHz units.
	PTS int64
	// Width and Height are the picture size in pixels.
	Width, Height int
	// Gray is the luma plane, Width*Height bytes, row after row.
	Gray []byte
	// BGR is the picture as packed 8-bit BGR, Width*Height*3 bytes; nil
	// when only luma was decoded (idle mode).
	BGR []byte
	// Key tells that the picture came from a keyframe.
	Key bool
}
