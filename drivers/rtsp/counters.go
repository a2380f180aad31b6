package rtsp

import "sync/atomic"

// Counters are the running totals of one camera's pull. They are atomics so
// the pull updates them without locks and metrics read them at scrape time.
type Counters struct {
	// Packets counts RTP packets received.
	Packets atomic.Uint64
	// Bytes counts RTP payload bytes received.
	Bytes atomic.Uint64
	// Frames counts complete access units.
	Frames atomic.Uint64
	// Keyframes counts random-access units.
	Keyframes atomic.Uint64
	// Lost counts RTP packets the camera sent that never arrived.
	Lost atomic.Uint64
	// DecodeErrors counts packets that could not be depacketized (broken
	// NAL units, fragments out of order).
	DecodeErrors atomic.Uint64
}
