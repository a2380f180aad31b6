package decode

import (
	"sync"

	"github.com/argus-edge/argus/edge/frame"
)

// poolDepth is how many spare buffers of each kind a decoder keeps: enough
// for a frame being decoded while a couple are still with detectors.
const poolDepth = 4

// pool keeps the slices of released frames for the next ones, so an active
// 1080p camera does not hand the garbage collector 6 MB thirty times a
// second. It has its own lock: Release comes from detector goroutines and
// must not wait for a decode.
type pool struct {
	mu                     sync.Mutex
	gray, bgr, sGray, sBGR [][]byte
}

// get returns a slice of n bytes from list, or a new one.
func (p *pool) get(list *[][]byte, n int) []byte {
	p.mu.Lock()
	for len(*list) > 0 {
		b := (*list)[len(*list)-1]
		*list = (*list)[:len(*list)-1]
		if cap(b) >= n {
			p.mu.Unlock()
			return b[:n]
		}
		// Smaller than the new resolution: let it go.
	}
	p.mu.Unlock()
	return make([]byte, n)
}

func (p *pool) put(list *[][]byte, b []byte) {
	if cap(b) == 0 {
		return
	}
	p.mu.Lock()
	if len(*list) < poolDepth {
		*list = append(*list, b)
	}
	p.mu.Unlock()
}

// Release gives f's pixel slices back to the decoder for later frames. It
// is optional (unreleased frames are garbage collected as usual), and after
// it none of f's planes (Gray, BGR, Small's) may be used by anyone.
func (d *Decoder) Release(f *frame.Frame) {
	if f == nil {
		return
	}
	d.bufs.put(&d.bufs.gray, f.Gray)
	d.bufs.put(&d.bufs.bgr, f.BGR)
	d.bufs.put(&d.bufs.sGray, f.Small.Gray)
	d.bufs.put(&d.bufs.sBGR, f.Small.BGR)
	f.Gray, f.BGR, f.Small.Gray, f.Small.BGR = nil, nil, nil, nil
}
