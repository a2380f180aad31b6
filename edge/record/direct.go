package record

import (
	"errors"
	"io"
	"os"
	"syscall"
	"unsafe"
)

// block is the alignment of direct I/O: offsets, lengths and memory.
const block = 4096

// stages are the buffers direct writes are assembled in, shared by the
// cameras (each holds one only while it writes a fragment, a few ms). A
// free list and not a sync.Pool: the pool is emptied at every garbage
// collection, which an edge's ingest makes every few seconds, and
// allocating a fragment's buffer (a megabyte at 4 Mbps) afresh each time
// doubled the edge's allocation rate and its collector's work. The list
// keeps at most cap(stages) buffers: more writes at once allocate.
var stages = make(chan []byte, 8)

// stage returns a buffer of at least n bytes, from the free list if one
// there is big enough.
func stage(n int) []byte {
	select {
	case b := <-stages:
		if cap(b) >= n {
			return b[:cap(b)]
		}
	default:
	}
	return make([]byte, n+n/4) // room for the next, larger fragment
}

// unstage gives a buffer back to the free list, or to the collector when
// the list is full.
func unstage(b []byte) {
	select {
	case stages <- b:
	default:
	}
}

// direct writes a file with O_DIRECT, past the page cache. On this
// project's machine the kernel's copy of written video into the page
// cache cost 1.6 ns a byte (0.08% of a core per 4 Mbps camera: more than
// the whole recording budget), and video written for retention is not
// read back soon: it only pushed useful pages out. Direct I/O needs whole
// aligned blocks, so the bytes past the last block boundary (the tail)
// are kept here and written again, with zeros after them, by the next
// write; close cuts the zeros off. A crash leaves zeros after the last
// whole fragment, which recovery cuts off like a torn fragment.
type direct struct {
	tail  [block]byte
	tailN int   // bytes of the file past base
	base  int64 // where the tail starts: a block boundary
}

// openDirect creates path for direct writes; nil and no error when the
// file system does not take O_DIRECT (the caller opens it buffered).
func openDirect(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_DIRECT, 0o640)
	if errors.Is(err, syscall.EINVAL) { // tmpfs, some FUSE and overlay mounts
		return nil, nil
	}
	return f, err
}

// write appends the pieces to f as one pwrite of whole blocks: all of
// them (their length is returned) or, on an error, none that count (the
// caller truncates the file back to its size).
func (d *direct) write(f *os.File, pieces [][]byte) (int, error) {
	n := 0
	for _, p := range pieces {
		n += len(p)
	}
	end := d.tailN + n
	padded := (end + block - 1) / block * block
	raw := stage(padded + block)
	defer unstage(raw)
	skip := (block - int(uintptr(unsafe.Pointer(&raw[0]))%block)) % block
	buf := raw[skip : skip+padded]
	at := copy(buf, d.tail[:d.tailN])
	for _, p := range pieces {
		at += copy(buf[at:], p)
	}
	clear(buf[end:])
	w, err := f.WriteAt(buf, d.base)
	if err == nil && w < padded {
		err = io.ErrShortWrite
	}
	if err != nil {
		return 0, err
	}
	full := end / block * block
	d.tailN = copy(d.tail[:], buf[full:end])
	d.base += int64(full)
	return n, nil
}
