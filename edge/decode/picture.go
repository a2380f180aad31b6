package decode

// #include "libav.h"
import "C"

import (
	"fmt"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/frame"
)

// picture copies the frame libav just returned out of libav memory. It
// returns nil and no error for a picture Idle does not want (a non-key
// picture left over from Active), and an error for a damaged one.
func (d *Decoder) picture(mode Mode) (*frame.Frame, error) {
	f := d.c.frame
	w, h := int(f.width), int(f.height)
	if w <= 0 || h <= 0 || w > MaxSide || h > MaxSide {
		return nil, fmt.Errorf("picture %dx%d: outside 1x1..%dx%d", w, h, MaxSide, MaxSide)
	}
	// libav still outputs pictures it had to patch up (missing references,
	// concealed slices): a detector would see the patches as motion.
	if f.flags&C.AV_FRAME_FLAG_CORRUPT != 0 || f.decode_error_flags != 0 {
		msg := lastLog(d.c)
		if msg == "" {
			msg = fmt.Sprintf("error flags %#x", int(f.decode_error_flags))
		}
		return nil, fmt.Errorf("corrupt picture: %s", msg)
	}
	u := d.unit(int64(f.pts))
	if u == nil {
		return nil, fmt.Errorf("picture with unknown timestamp %d", int64(f.pts))
	}
	if mode == Idle && !u.Key {
		return nil, nil
	}

	out := &frame.Frame{
		Camera: d.camera,
		Time:   u.NTP,
		PTS:    pts90k(u),
		Width:  w,
		Height: h,
		Key:    u.Key,
		Gray:   d.bufs.get(&d.bufs.gray, w*h),
	}
	luma8 := C.argus_luma8(d.c) != 0
	if luma8 {
		copyPlane(out.Gray, d, w, h)
	} else if err := convert(d.c, out.Gray, false); err != nil {
		d.Release(out)
		return nil, err
	}
	colour := mode == Active && !d.noBGR
	if colour && d.full.Load() {
		out.BGR = d.bufs.get(&d.bufs.bgr, w*h*3)
		if err := convert(d.c, out.BGR, true); err != nil {
			d.Release(out)
			return nil, err
		}
	}
	if err := d.small(out, colour, luma8); err != nil {
		d.Release(out)
		return nil, err
	}
	if colour {
		C.argus_keep(d.c) // for JPEG and Colour, should a snapshot want it
		d.kept = out
	}
	return out, nil
}

// small makes out.Small: from libav's planes when it can (8-bit luma, and
// 4:2:0 for the colour), else by averaging out's full-size planes.
func (d *Decoder) small(out *frame.Frame, colour, luma8 bool) error {
	w, h := out.Width, out.Height
	k := frame.SmallScale(w, h)
	sw, sh := w/k, h/k
	if sw == 0 || sh == 0 {
		return nil // a sliver (8x4000): no small picture; detectors shrink it themselves
	}
	s := frame.Small{Width: sw, Height: sh, Scale: k, Gray: d.bufs.get(&d.bufs.sGray, sw*sh)}
	if colour {
		s.BGR = d.bufs.get(&d.bufs.sBGR, sw*sh*3)
	}
	out.Small = s
	made := false
	if luma8 {
		var err error
		if made, err = small(d.c, k, s.Gray, s.BGR); err != nil {
			return err
		}
	} else {
		box(out.Gray, w, h, 1, k, s.Gray)
	}
	if !colour || made {
		return nil
	}
	full := out.BGR
	if full == nil {
		full = d.bufs.get(&d.bufs.bgr, w*h*3)
		defer d.bufs.put(&d.bufs.bgr, full)
		if err := convert(d.c, full, true); err != nil {
			return err
		}
	}
	box(full, w, h, 3, k, s.BGR)
	return nil
}

// Colour gives f, the last picture Decode returned in Active mode, its
// full-size BGR plane when SetFullBGR(false) left it out: for a snapshot,
// which is rare. It does nothing when f has one already.
func (d *Decoder) Colour(f *frame.Frame) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f.BGR != nil {
		return nil
	}
	if d.c == nil {
		return ErrClosed
	}
	if f != d.kept || f.Small.BGR == nil {
		return d.errorf("colour: not the last active picture")
	}
	buf := d.bufs.get(&d.bufs.bgr, f.Width*f.Height*3)
	if err := convertLast(d.c, buf); err != nil {
		d.bufs.put(&d.bufs.bgr, buf)
		return d.errorf("%w", err)
	}
	f.BGR = buf
	return nil
}

// copyPlane packs libav's luma plane, whose rows may be padded, into dst.
func copyPlane(dst []byte, d *Decoder, w, h int) {
	src, stride := plane(d.c, 0, h, w)
	if src == nil {
		return
	}
	if stride == w {
		copy(dst, src[:w*h])
		return
	}
	for y := 0; y < h; y++ {
		copy(dst[y*w:(y+1)*w], src[y*stride:y*stride+w])
	}
}

// unit finds the unit sent with sequence number seq.
func (d *Decoder) unit(seq int64) *media.Unit {
	m := d.sent[((seq%ring)+ring)%ring]
	if m.seq != seq {
		return nil
	}
	return m.u
}

// pts90k converts the unit's PTS from its format's clock to 90 kHz.
func pts90k(u *media.Unit) int64 {
	if u.Format == nil {
		return u.PTS
	}
	rate := int64(u.Format.ClockRate())
	if rate <= 0 || rate == 90000 {
		return u.PTS
	}
	return u.PTS/rate*90000 + u.PTS%rate*90000/rate
}
