package decode

// #cgo pkg-config: libavcodec libavutil libswscale
// #cgo CFLAGS: -O3
// #include "libav.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// The C side (libav.c) owns every libav object. Go hands it numbers and
// pointers to byte slices only, and never keeps a C pointer to Go memory
// past a call; C never keeps a pointer to Go memory at all.

func init() {
	// Route libav's log lines made during our calls into the error we
	// return; lines from other libav users in the process print as before.
	C.argus_init()
}

// avErr is a libav error code with the call that returned it and the libav
// log line that explains it, when there was one.
type avErr struct {
	op   string
	code int
	msg  string
}

func (e *avErr) Error() string {
	s := e.op + ": " + avStrerror(e.code)
	if e.msg != "" {
		s += " (" + e.msg + ")"
	}
	return s
}

func avStrerror(code int) string {
	var buf [128]C.char
	if C.argus_strerror(C.int(code), &buf[0], C.int(len(buf))) < 0 {
		return fmt.Sprintf("libav error %d", code)
	}
	return C.GoString(&buf[0])
}

// lastLog is the most severe libav log line of the decoder's last call.
func lastLog(d *C.argus_dec) string {
	return C.GoString(&d.msg[0])
}

// open allocates a libav decoder for H.264 or, with hevc, H.265.
func open(hevc bool) (*C.argus_dec, error) {
	var h, code C.int
	if hevc {
		h = 1
	}
	d := C.argus_open(h, &code)
	if d == nil {
		return nil, &avErr{op: "open", code: int(code)}
	}
	return d, nil
}

// input returns n writable bytes of C memory for the next packet. The slice
// aliases libav memory: it is valid only until the next input or close.
func input(d *C.argus_dec, n int) []byte {
	p := C.argus_input(d, C.int(n))
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), n)
}

// plane returns plane i of the decoded frame as a Go slice over libav memory
// (valid until the next receive or flush) and its stride.
func plane(d *C.argus_dec, i, rows, width int) ([]byte, int) {
	f := d.frame
	stride := int(f.linesize[i])
	if f.data[i] == nil || stride < width || rows <= 0 {
		return nil, stride
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(f.data[i])), stride*(rows-1)+width), stride
}

// box averages a packed w×h picture of ch channels (Go memory) over k×k
// blocks into dst, (w/k)×(h/k) pixels.
func box(src []byte, w, h, ch, k int, dst []byte) {
	C.argus_box((*C.uint8_t)(unsafe.Pointer(&src[0])), C.int(w*ch), C.int(w), C.int(h), C.int(ch), C.int(k),
		(*C.uint8_t)(unsafe.Pointer(&dst[0])))
}

// small writes the decoded frame's luma averaged over k×k blocks into gray
// and, with bgr not nil, its colour into bgr. It returns false when the
// colour must come from a full-size conversion instead (see argus_small).
func small(d *C.argus_dec, k int, gray, bgr []byte) (bool, error) {
	var b *C.uint8_t
	if bgr != nil {
		b = (*C.uint8_t)(unsafe.Pointer(&bgr[0]))
	}
	code := C.argus_small(d, C.int(k), (*C.uint8_t)(unsafe.Pointer(&gray[0])), b)
	if code < 0 {
		return false, &avErr{op: "small picture", code: int(code)}
	}
	return code == 0, nil
}

// convertLast writes the picture kept by argus_keep into dst as BGR24.
func convertLast(d *C.argus_dec, dst []byte) error {
	if code := C.argus_convert_last(d, (*C.uint8_t)(unsafe.Pointer(&dst[0]))); code < 0 {
		return &avErr{op: "convert", code: int(code), msg: lastLog(d)}
	}
	return nil
}

// convert writes the decoded frame into dst as packed BGR24 or GRAY8; dst
// must hold exactly Width*Height*bytes-per-pixel bytes.
func convert(d *C.argus_dec, dst []byte, bgr bool) error {
	pf := C.int(C.AV_PIX_FMT_GRAY8)
	if bgr {
		pf = C.AV_PIX_FMT_BGR24
	}
	if code := C.argus_convert(d, (*C.uint8_t)(unsafe.Pointer(&dst[0])), pf); code < 0 {
		return &avErr{op: "convert", code: int(code), msg: lastLog(d)}
	}
	return nil
}
