// Package frame is the decoded picture that flows from edge/decode to the
// detectors: plain Go slices, so that detectors, rules and tests need no
// cgo to hold one. It imports nothing.
package frame

import "time"

// SmallSide is the longest side of Frame.Small: the size the cheap
// detectors (motion, fire, smoke, health) analyse.
const SmallSide = 320

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
	// when only luma was decoded (idle mode), and in active mode when no
	// detector needs the full-size picture (Small.BGR has the colour).
	BGR []byte
	// Small is the picture averaged down, made once per frame for the
	// detectors that share it; its zero value when the producer made
	// none (the detectors then shrink Gray and BGR themselves).
	Small Small
	// Key tells that the picture came from a keyframe.
	Key bool
}

// Small is a frame averaged over Scale×Scale blocks, Scale the smallest
// integer that brings the longer side to SmallSide or under. Right and
// bottom edges narrower than a block are left out.
type Small struct {
	// Width and Height are the small picture's size: the frame's divided
	// by Scale, rounded down.
	Width, Height int
	// Scale is the block side in frame pixels; 0 when there is no small
	// picture.
	Scale int
	// Gray is the luma, Width*Height bytes.
	Gray []byte
	// BGR is packed 8-bit BGR, Width*Height*3 bytes; nil in idle mode.
	BGR []byte
}

// SmallScale is the block side that brings a w×h picture's longer side
// to SmallSide or under.
func SmallScale(w, h int) int {
	side := max(w, h)
	return max(1, (side+SmallSide-1)/SmallSide)
}
