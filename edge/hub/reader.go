package hub

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/argus-edge/argus/drivers/media"
)

// Reader is one consumer of a stream: a bounded queue of units.
type Reader struct {
	name   string
	stream *Stream
	ch     chan *media.Unit
	once   sync.Once

	// needKey holds units back until a keyframe, for a consumer that joined
	// with no GOP cached or whose camera reconnected. resync does the same
	// after a drop, when the consumer would get a broken picture until the
	// next keyframe; those skipped units count as drops. Both are guarded by
	// the stream's mutex.
	needKey, resync bool
	// keysOnly holds back every unit but keyframes, for a consumer that
	// looks at keyframes alone (an idle camera's analysis): the others are
	// not queued, so its goroutine is not woken for them, and do not count
	// as drops. last is the last unit queued, to resume after it
	// (KeysOnly). gone is set once the channel is closed. All three are
	// guarded by the stream's mutex.
	keysOnly bool
	last     *media.Unit
	gone     bool

	delivered atomic.Uint64
	dropped   atomic.Uint64
}

// Name returns the consumer's name.
func (r *Reader) Name() string { return r.name }

// Units returns the queue to range over; it is closed when the reader or
// the stream is closed. Each unit comes held for the consumer, which
// releases it (media.Unit.Release) once done reading its packets and NAL
// units, so that the camera's read buffers are reused; a consumer that
// keeps units, or never releases them, leaves them to the collector.
func (r *Reader) Units() <-chan *media.Unit { return r.ch }

// Close detaches the reader; its channel is closed. Close is idempotent.
func (r *Reader) Close() {
	r.once.Do(func() { r.stream.unsubscribe(r) })
}

// Delivered counts the units queued for this consumer.
func (r *Reader) Delivered() uint64 { return r.delivered.Load() }

// Queued is the number of units waiting in the consumer's queue: a
// producer that must lose nothing (edge/eval playing a clip faster than
// real time) holds back while it is high.
func (r *Reader) Queued() int { return len(r.ch) }

// Dropped counts the units this consumer lost because its queue was full,
// including the ones skipped until the next keyframe.
func (r *Reader) Dropped() uint64 { return r.dropped.Load() }

// KeysOnly switches the reader to keyframes alone (on) or back to every
// unit. Back from keyframes alone, it goes on from the last unit queued as
// if nothing had been held back: the units of the current GOP after it
// are queued at once, from the stream's GOP cache. When the cache does not
// hold that unit (the GOP outgrew it, or a newer keyframe was dropped
// from a full queue) the reader waits for the next keyframe.
func (r *Reader) KeysOnly(on bool) {
	s := r.stream
	s.mu.Lock()
	defer s.mu.Unlock()
	if on == r.keysOnly || r.gone {
		return
	}
	r.keysOnly = on
	if on {
		return
	}
	i := slices.Index(s.gop, r.last)
	if i < 0 {
		if !r.resync {
			r.needKey = true
		}
		return
	}
	for _, u := range s.gop[i+1:] {
		r.offer(u)
	}
}

// offer queues u without blocking. Called with the stream's mutex held.
func (r *Reader) offer(u *media.Unit) {
	if r.keysOnly && !u.Key {
		return
	}
	if (r.needKey || r.resync) && !u.Key {
		if r.resync {
			r.dropped.Add(1)
		}
		return
	}
	u.Hold() // before the consumer can see it, and release it
	select {
	case r.ch <- u:
		r.delivered.Add(1)
		r.needKey, r.resync = false, false
		r.last = u
	default:
		u.Release()
		r.dropped.Add(1)
		r.resync = true
	}
}
