package decode

// #include "libav.h"
import "C"

import (
	"errors"
	"unsafe"

	"github.com/argus-edge/argus/edge/frame"
)

// ErrNoJPEG is JPEG's answer for a picture it cannot encode from libav's
// planes (an Idle picture, or one that is not 8-bit 4:2:0): the caller
// makes the snapshot from the frame's own planes instead.
var ErrNoJPEG = errors.New("no JPEG from the decoder's planes")

// jpegQuality is the MJPEG quality scale (2 best .. 31). On the fire scene
// at 720p, 4 matches Go's image/jpeg at quality 75 against the decoded
// picture (42.0 dB and 42.1) in half the bytes (16 KB instead of 33):
// BenchmarkSnapshot720p.
const jpegQuality = 4

// JPEG encodes f, the last picture Decode returned in Active mode, as a
// full-size colour JPEG straight from libav's planes, for a snapshot:
// libavcodec's MJPEG encoder takes a few milliseconds where a BGR
// conversion and Go's encoder took tens, and a start's snapshot is on the
// path of the anomaly's latency.
func (d *Decoder) JPEG(f *frame.Frame) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c == nil {
		return nil, ErrClosed
	}
	if f != d.kept {
		return nil, ErrNoJPEG
	}
	var p *C.uint8_t
	n := C.argus_jpeg_last(d.c, jpegQuality, &p)
	if n == C.ARGUS_ENOSYS {
		return nil, ErrNoJPEG
	}
	if n < 0 {
		return nil, d.errorf("%w", &avErr{op: "encode snapshot", code: int(n), msg: lastLog(d.c)})
	}
	defer C.argus_jpeg_done(d.c)
	return C.GoBytes(unsafe.Pointer(p), n), nil
}
