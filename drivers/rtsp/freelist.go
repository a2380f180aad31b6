package rtsp

import (
	"sync"
	"syscall"
	"unsafe"
)

// freeList keeps the chunks released, for the next reads. The last few
// released stay as they are (hot), for the steady flow of a camera's
// reads; past those, a chunk's pages are given back to the kernel
// (madvise MADV_DONTNEED) before it waits in the list (cold): its next
// read faults fresh zeroed pages in. The chunks a camera holds follow its
// cached GOP, which grows from a keyframe to the next and is let go at
// once; when many cameras send their keyframes together (a site's
// cameras started together, the bench's clones) a GOP of every camera is
// let go at once. A free list keeping them resident would hold the
// edge's memory at its peak for good; giving the collector the chunks
// instead (main before this list) made it run at the bitrate. Cold
// chunks cost their page faults when reused, once per 64 KiB read.
//
// Only the bytes of a chunk are given back: they hold no pointer, and
// the collector never reads them. The list is bounded: past maxFree
// chunks are left to the collector, as after a camera stops.
type freeList struct {
	mu   sync.Mutex
	hot  []*chunk
	cold []*chunk
}

const (
	// maxHot is how many chunks stay resident in the list (4 MiB).
	maxHot = 64
	// maxFree bounds the list (256 MiB of address space, mostly cold).
	maxFree = 4096
)

// get returns a free chunk, nil when there is none.
func (l *freeList) get() *chunk {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.hot); n > 0 {
		c := l.hot[n-1]
		l.hot[n-1] = nil
		l.hot = l.hot[:n-1]
		return c
	}
	if n := len(l.cold); n > 0 {
		c := l.cold[n-1]
		l.cold[n-1] = nil
		l.cold = l.cold[:n-1]
		return c
	}
	return nil
}

// put takes a released chunk.
func (l *freeList) put(c *chunk) {
	l.mu.Lock()
	if len(l.hot) < maxHot {
		l.hot = append(l.hot, c)
		l.mu.Unlock()
		return
	}
	full := len(l.hot)+len(l.cold) >= maxFree
	l.mu.Unlock()
	if full {
		return // to the collector
	}
	dontNeed(c.buf)
	l.mu.Lock()
	l.cold = append(l.cold, c)
	l.mu.Unlock()
}

// sizes returns how many chunks wait, resident and given back.
func (l *freeList) sizes() (hot, cold int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.hot), len(l.cold)
}

// pageSize is the kernel's page size.
var pageSize = uintptr(syscall.Getpagesize())

// dontNeed gives the whole pages of b back to the kernel: they read as
// zeros afterwards, and cost no memory until written.
func dontNeed(b []byte) {
	if len(b) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	from := (start + pageSize - 1) &^ (pageSize - 1)
	to := (start + uintptr(len(b))) &^ (pageSize - 1)
	if to <= from {
		return
	}
	_ = syscall.Madvise(b[from-start:to-start], syscall.MADV_DONTNEED) // advice: nothing is lost when refused
}
