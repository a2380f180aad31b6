// Package hub fans one pull per camera out to any number of consumers
// (detection, relay, clips). A slow consumer never blocks the pull or the
// others: each has a bounded queue and its drops are counted. The hub keeps
// the current GOP so a new consumer starts at a keyframe at once.
//
// hub imports drivers/media only; it knows nothing of RTSP or MQTT.
package hub

import (
	"sort"
	"sync"
)

// Hub is the set of camera streams of an edge, by camera id.
type Hub struct {
	mu      sync.Mutex
	streams map[string]*Stream
	opts    Options
}

// Options bound the memory the hub may use per camera.
type Options struct {
	// Queue is the number of units queued per consumer before drops.
	Queue int
	// GOPBytes bounds the cached GOP; past it the cache is dropped until the
	// next keyframe, so a camera with no keyframes cannot grow memory.
	GOPBytes int
}

// New returns an empty hub.
func New(opts Options) *Hub {
	if opts.Queue <= 0 {
		opts.Queue = 128
	}
	if opts.GOPBytes <= 0 {
		opts.GOPBytes = 8 << 20
	}
	return &Hub{streams: map[string]*Stream{}, opts: opts}
}

// Open returns the stream of a camera, creating it when absent. A stream
// outlives reconnects and restarts of its camera's pull, so consumers stay
// subscribed across them.
func (h *Hub) Open(camera string) *Stream {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.streams[camera]
	if !ok {
		s = newStream(camera, h.opts)
		h.streams[camera] = s
	}
	return s
}

// Stream returns the stream of a camera, or nil when the camera is unknown.
func (h *Hub) Stream(camera string) *Stream {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams[camera]
}

// Remove closes a camera's stream: its consumers' channels are closed.
func (h *Hub) Remove(camera string) {
	h.mu.Lock()
	s := h.streams[camera]
	delete(h.streams, camera)
	h.mu.Unlock()
	if s != nil {
		s.close()
	}
}

// Cameras lists the ids of the open streams, sorted.
func (h *Hub) Cameras() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]string, 0, len(h.streams))
	for id := range h.streams {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
