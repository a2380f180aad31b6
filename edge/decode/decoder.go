package decode

// #include "libav.h"
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/frame"
)

// MaxUnitBytes bounds an access unit's size; larger units are refused before
// they reach libav (a 4K intra frame at very high quality is a few MiB).
const MaxUnitBytes = 32 << 20

// MaxSide bounds a picture's width and height; larger pictures are refused.
const MaxSide = 8192

// ErrClosed is returned by Decode after Close.
var ErrClosed = errors.New("decoder closed")

// Mode is what a Decoder decodes.
type Mode int32

const (
	// Idle decodes keyframes only, luma only.
	Idle Mode = iota
	// Active decodes every frame, luma and BGR.
	Active
)

// String returns "idle" or "active", as in camera status.
func (m Mode) String() string {
	if m == Active {
		return "active"
	}
	return "idle"
}

// ring holds the metadata of the last units sent, found again by sequence
// number when libav hands out the picture (later than its unit when the
// stream has B-frames). Only the units' times, key flag and format are
// read then, never their bytes, which their source may have reused by
// then (media.Unit.Release): libav decodes its own copy of them.
const ring = 32

type unitMeta struct {
	seq int64
	u   *media.Unit
}

// Decoder decodes one camera's stream. Decode, Close and Release may be
// called from different goroutines; SetMode may be called at any time.
type Decoder struct {
	camera string
	codec  string
	mode   atomic.Int32
	full   atomic.Bool // Active frames carry the full-size BGR plane
	bufs   pool

	mu      sync.Mutex // serializes libav calls
	c       *C.argus_dec
	applied Mode // the mode libav is set up for
	needKey bool // skip units until a keyframe
	damaged bool // libav met bad data: reset it before the next keyframe
	seq     int64
	sent    [ring]unitMeta
	kept    *frame.Frame // the picture argus_keep holds, for Colour

	noBGR bool // benchmarks: time decoding alone in Active mode
}

// New returns an idle decoder for camera's stream; codec is "h264" or
// "h265" (media.Codec's names). It must be closed.
func New(camera, codec string) (*Decoder, error) {
	var hevc bool
	switch codec {
	case "h264":
	case "h265":
		hevc = true
	default:
		return nil, fmt.Errorf("decode: codec %q is not h264 or h265", codec)
	}
	c, err := open(hevc)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", codec, err)
	}
	d := &Decoder{camera: camera, codec: codec, c: c, needKey: true}
	d.full.Store(true)
	d.setIdle(true)
	return d, nil
}

// skipLoopFilter makes idle mode skip the deblocking filter: keyframes come
// out a little blockier, cheaper to decode, and the next keyframe does not
// depend on them. Measured by BenchmarkDecode1080p.
var skipLoopFilter C.int = 1

// SetMode switches the decoder to m from the next unit on. Entering Active
// skips units until the next keyframe.
func (d *Decoder) SetMode(m Mode) {
	d.mode.Store(int32(m))
}

// SetFullBGR tells whether Active frames carry the full-size BGR plane
// (the default) or only Small's: detectors that work on the small picture
// do not need the full one, whose conversion costs more than the rest of
// the picture's handling together. Colour makes it later for one frame.
func (d *Decoder) SetFullBGR(full bool) {
	d.full.Store(full)
}

// Mode returns the mode set last.
func (d *Decoder) Mode() Mode {
	return Mode(d.mode.Load())
}

// Decode feeds one access unit and returns the picture it completes. It
// returns a nil frame and no error when there is nothing to show yet: a
// non-key unit in Idle mode, units before the first keyframe or after an
// error, a unit without a picture (parameter sets alone), or a decoder still
// filling its reorder buffer (streams with B-frames, Active mode).
//
// The frame's slices are the caller's; Release hands them back for reuse.
// An error leaves the decoder usable: it resumes at the next keyframe.
func (d *Decoder) Decode(u *media.Unit) (*frame.Frame, error) {
	return d.decode(u, true)
}

// Advance feeds one access unit like Decode but copies no picture out: in
// Active mode every frame must be decoded, since the next ones reference
// it, but a detector that samples 5 of 15 fps needs only those 5 pictures,
// and the copy and BGR conversion are a third of the cost.
func (d *Decoder) Advance(u *media.Unit) error {
	_, err := d.decode(u, false)
	return err
}

func (d *Decoder) decode(u *media.Unit, want bool) (*frame.Frame, error) {
	mode := d.Mode()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c == nil {
		return nil, ErrClosed
	}
	size, slices, err := d.check(u)
	if err != nil {
		// The unit is lost: what follows may reference it.
		d.needKey = true
		return nil, d.errorf("%w", err)
	}
	if mode != d.applied {
		// Drop what the old mode left in the reorder buffer and start again
		// at a keyframe, which the caller sends next in either mode.
		d.setIdle(mode == Idle)
		C.argus_flush(d.c)
		d.applied = mode
		d.needKey = true
	}
	if !u.Key && (mode == Idle || d.needKey) {
		return nil, nil
	}
	if err := d.restart(mode); err != nil {
		return nil, err
	}

	buf := input(d.c, size)
	if buf == nil {
		return nil, d.errorf("input: out of memory")
	}
	writeAnnexB(buf, u.AccessUnit())
	d.seq++
	d.sent[d.seq%ring] = unitMeta{seq: d.seq, u: u}

	// Idle drains the decoder after each keyframe so the picture comes out
	// now, then flushes it to accept the next keyframe.
	var drain C.int
	if mode == Idle {
		drain = 1
		defer C.argus_flush(d.c)
	}
	if code := C.argus_send(d.c, C.int(size), C.int64_t(d.seq), drain); code < 0 && code != C.ARGUS_EOF {
		d.damage()
		return nil, d.errorf("%w", &avErr{op: "send packet", code: int(code), msg: lastLog(d.c)})
	}
	if u.Key && slices {
		d.needKey = false
	}

	// Receive everything the unit completed; keep the newest picture, as a
	// detector wants the latest view, and the first error.
	var out *frame.Frame
	var first error
	for {
		code := C.argus_receive(d.c)
		if code == C.ARGUS_EAGAIN || code == C.ARGUS_EOF {
			break
		}
		if code < 0 {
			d.damage()
			if first == nil {
				first = d.errorf("%w", &avErr{op: "receive frame", code: int(code), msg: lastLog(d.c)})
			}
			break
		}
		if !want {
			continue
		}
		f, err := d.picture(mode)
		if err != nil {
			d.damage()
			if first == nil {
				first = d.errorf("%w", err)
			}
			continue
		}
		if f != nil {
			if out != nil {
				d.Release(out)
			}
			out = f
		}
	}
	return out, first
}

// damage notes that libav met bad data: skip to the next keyframe and start
// it with a new codec context.
func (d *Decoder) damage() {
	d.needKey = true
	d.damaged = true
}

// restart prepares libav for a keyframe that ends a skip: a new codec
// context after damage, else a flush of the references and picture order
// of the frames before (Idle flushes after every keyframe already).
func (d *Decoder) restart(mode Mode) error {
	if d.damaged {
		if code := C.argus_reset(d.c); code < 0 {
			return d.errorf("%w", &avErr{op: "reset", code: int(code), msg: lastLog(d.c)})
		}
		d.damaged = false
		d.setIdle(mode == Idle)
	} else if d.needKey && mode == Active {
		C.argus_flush(d.c)
	}
	return nil
}

func (d *Decoder) setIdle(idle bool) {
	var i C.int
	if idle {
		i = 1
	}
	C.argus_set_idle(d.c, i, skipLoopFilter)
}

// Close frees the decoder's libav state. It is safe to call more than once.
func (d *Decoder) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	C.argus_close(d.c)
	d.c = nil
}

func (d *Decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("decode %s: "+format, append([]any{d.codec}, args...)...)
}

// check validates a unit before any of it reaches C. It returns the unit's
// size as Annex-B and whether it holds a slice (a picture), not only
// parameter sets or SEI.
func (d *Decoder) check(u *media.Unit) (size int, slices bool, err error) {
	if u == nil {
		return 0, false, errors.New("nil unit")
	}
	if u.Format != nil && media.Codec(u.Format) != d.codec {
		return 0, false, fmt.Errorf("unit is %s", media.Codec(u.Format))
	}
	if len(u.AccessUnit()) == 0 {
		return 0, false, errors.New("empty access unit")
	}
	for i, nalu := range u.AccessUnit() {
		if len(nalu) < 2 {
			return 0, false, fmt.Errorf("NAL unit %d: %d bytes", i, len(nalu))
		}
		// forbidden_zero_bit, and for H.265 nuh_temporal_id_plus1 != 0:
		// set in noise, never in a real stream.
		if nalu[0]&0x80 != 0 || d.codec == "h265" && nalu[1]&7 == 0 {
			return 0, false, fmt.Errorf("NAL unit %d: invalid header %#x %#x", i, nalu[0], nalu[1])
		}
		if d.codec == "h264" {
			t := nalu[0] & 0x1f
			slices = slices || t >= 1 && t <= 5
		} else {
			slices = slices || nalu[0]>>1 < 32
		}
		size += 4 + len(nalu)
		if size > MaxUnitBytes {
			return 0, false, fmt.Errorf("access unit larger than %d bytes", MaxUnitBytes)
		}
	}
	return size, slices, nil
}

// writeAnnexB writes au with a 4-byte start code before each NAL unit; buf
// has exactly the size annexBSize returned.
func writeAnnexB(buf []byte, au [][]byte) {
	n := 0
	for _, nalu := range au {
		n += copy(buf[n:], []byte{0, 0, 0, 1})
		n += copy(buf[n:], nalu)
	}
}
