package rtsp

import (
	"sync/atomic"

	"github.com/pion/rtp"
)

// chunk is a read buffer of the connection (interleave.go) with the count
// of what still refers to its bytes: the reader while it reads into it,
// the unit being gathered and every unit with a packet in it. When the
// count falls to zero the chunk goes back to chunks, for the next read.
//
// Recycling stops the heap from turning over at the bitrate: without it a
// camera's cached GOP was refilled with new chunks every GOP and the
// collector ran every second or two to free the old ones, so the heap
// carried the collector's headroom on top of every GOP (docs/performance.md,
// "Ingest"). A chunk is reused only when its count says nothing can read
// it: a unit's consumers release it when done (media.Unit.Release), and a
// hold never released only leaves the chunk to the collector.
type chunk struct {
	buf  []byte
	refs atomic.Int32
	pkts []rtp.Packet // the packets parsed from buf, from the first
	used int          // of pkts
}

// chunkPackets is how many packets a chunk holds: 64 KiB of packets of
// 1,400 bytes (a camera's usual) is 47. Packets share their chunk's
// lifetime, so they are reused with it rather than left to the collector,
// which they kept busy once the chunks were reused (they were half of
// what the edge allocated); smaller packets past these come from the heap.
const chunkPackets = 48

// chunks holds the chunks released, for reuse (freelist.go).
var chunks freeList

// reused counts the chunks taken from chunks rather than allocated;
// allocated the others.
var reused, allocated atomic.Uint64

// ReadChunks are the figures of the read chunks of every pull of the
// process (chunk.go), for metrics.
type ReadChunks struct {
	// Allocated and Reused count the chunks the reads took, new or reused.
	Allocated, Reused uint64
	// Resident and Released are the chunks waiting for reuse, as they were
	// and with their pages given back to the kernel.
	Resident, Released int
}

// ReadChunkStats returns the read chunks' figures now.
func ReadChunkStats() ReadChunks {
	hot, cold := chunks.sizes()
	return ReadChunks{Allocated: allocated.Load(), Reused: reused.Load(), Resident: hot, Released: cold}
}

// poison, set by tests only, overwrites a chunk as it is released, so
// that a packet read after its chunk was released shows it at once.
var poison bool

// newChunk returns a chunk of at least size bytes, held once (by the
// reader). Only chunkSize chunks are reused.
func newChunk(size int) *chunk {
	if size <= chunkSize {
		if c := chunks.get(); c != nil {
			reused.Add(1)
			c.refs.Store(1)
			c.used = 0
			return c
		}
		size = chunkSize
	}
	allocated.Add(1)
	c := &chunk{buf: make([]byte, size), pkts: make([]rtp.Packet, chunkPackets)}
	c.refs.Store(1)
	return c
}

// packet returns a blank packet of the chunk's, nil when all are used.
func (c *chunk) packet() *rtp.Packet {
	if c.used == len(c.pkts) {
		return nil
	}
	p := &c.pkts[c.used]
	c.used++
	*p = rtp.Packet{}
	return p
}

// hold counts one more thing referring to the chunk, which must be held
// already.
func (c *chunk) hold() {
	if c.refs.Add(1) <= 1 {
		panic("rtsp: hold of a released read chunk")
	}
}

// release gives back a hold; the last one returns the chunk for reuse.
func (c *chunk) release() {
	switch n := c.refs.Add(-1); {
	case n == 0:
		if poison {
			for i := range c.buf {
				c.buf[i] = 0xa5
			}
			clear(c.pkts)
		}
		if len(c.buf) == chunkSize {
			chunks.put(c)
		}
	case n < 0:
		panic("rtsp: release of a released read chunk")
	}
}

// unitChunks are the chunks holding the packets of the unit being
// gathered, each held once for it. The pull owns it.
type unitChunks struct {
	list []*chunk
}

// add notes that a packet of the unit lies in c (nil: not in a chunk).
func (u *unitChunks) add(c *chunk) {
	if c == nil || (len(u.list) > 0 && u.list[len(u.list)-1] == c) {
		return
	}
	c.hold()
	u.list = append(u.list, c)
}

// drop releases the chunks of a unit that was lost.
func (u *unitChunks) drop() {
	for _, c := range u.list {
		c.release()
	}
	clear(u.list)
	u.list = u.list[:0]
}

// take hands the holds over to a complete unit: the function returned
// releases them, once.
func (u *unitChunks) take() func() {
	if len(u.list) == 0 {
		return nil
	}
	held := append([]*chunk(nil), u.list...)
	clear(u.list)
	u.list = u.list[:0]
	return func() {
		for _, c := range held {
			c.release()
		}
	}
}

// pin keeps the unit's chunks for good: the depacketizer takes over
// packets that may lie in them, and it keeps slices of them past the
// unit's end.
func (u *unitChunks) pin() {
	clear(u.list)
	u.list = u.list[:0]
}
