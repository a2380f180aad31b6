package hub

import (
	"sync"

	"github.com/argus-edge/argus/drivers/media"
)

// Stream is the fan-out of one camera's pull.
type Stream struct {
	camera string
	opts   Options

	mu       sync.Mutex
	readers  []*Reader
	gop      []*media.Unit
	gopBytes int
	closed   bool
}

func newStream(camera string, opts Options) *Stream {
	return &Stream{camera: camera, opts: opts}
}

// Camera returns the id of the stream's camera.
func (s *Stream) Camera() string { return s.camera }

// Publish hands a unit to every consumer without blocking and caches it in
// the current GOP. It must not allocate: it runs once per frame of every
// camera. The cache and each consumer's queue take a hold on the unit
// (media.Unit.Hold): a consumer releases each unit it received when done
// with it, so that its source can reuse its storage; one that never does
// only leaves that storage to the collector.
func (s *Stream) Publish(u *media.Unit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.cache(u)
	for _, r := range s.readers {
		r.offer(u)
	}
}

// cache keeps the units since the last keyframe, within the byte bound,
// each held (media.Unit.Hold) while it is cached.
func (s *Stream) cache(u *media.Unit) {
	if u.Key {
		s.dropGOP()
	} else if len(s.gop) == 0 {
		return // no keyframe yet: a GOP must start at one
	}
	if s.gopBytes+u.Size > s.opts.GOPBytes {
		s.dropGOP()
		return
	}
	u.Hold()
	s.gop = append(s.gop, u)
	s.gopBytes += u.Size
}

// dropGOP forgets the cached GOP and releases its units: their storage is
// reused once their consumers are done with them too.
func (s *Stream) dropGOP() {
	for _, u := range s.gop {
		u.Release()
	}
	clear(s.gop)
	s.gop = s.gop[:0]
	s.gopBytes = 0
}

// KeyframeComing drops the cached GOP when a keyframe starts arriving,
// before it is complete and published: the GOP and the keyframe after it
// are never held together, which would be the most memory a camera holds.
// A consumer subscribing in between waits for that keyframe, a few
// milliseconds away; the consumers' queues are left as they are.
func (s *Stream) KeyframeComing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropGOP()
}

// Reset drops the cached GOP, for example when the camera disconnects, so a
// consumer joining while the camera is offline gets no stale picture.
func (s *Stream) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropGOP()
	for _, r := range s.readers {
		r.needKey = true
	}
}

// Subscribe adds a consumer named for metrics and logs. Its queue first
// holds the cached GOP, so it starts at a keyframe at once; with no GOP
// cached it waits for the next keyframe.
func (s *Stream) Subscribe(name string) *Reader {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &Reader{name: name, stream: s, ch: make(chan *media.Unit, s.opts.Queue+len(s.gop))}
	if s.closed {
		r.gone = true
		close(r.ch)
		return r
	}
	for _, u := range s.gop {
		u.Hold()
		r.ch <- u
	}
	if len(s.gop) > 0 {
		r.last = s.gop[len(s.gop)-1]
	}
	r.needKey = len(s.gop) == 0
	s.readers = append(s.readers, r)
	return r
}

// Readers returns the stream's current consumers.
func (s *Stream) Readers() []*Reader {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Reader(nil), s.readers...)
}

// GOP returns the number of units and bytes in the cached GOP.
func (s *Stream) GOP() (units, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.gop), s.gopBytes
}

func (s *Stream) unsubscribe(r *Reader) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.readers {
		if x == r {
			s.readers = append(s.readers[:i], s.readers[i+1:]...)
			r.gone = true
			close(r.ch)
			return
		}
	}
}

func (s *Stream) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, r := range s.readers {
		r.gone = true
		close(r.ch)
	}
	s.readers = nil
	s.dropGOP()
	s.gop = nil
}
