package busclient

import (
	"sort"
	"sync"
)

// retainedCache keeps the latest retained payload per topic (camera
// statuses) and which of them the broker has not acknowledged yet. While
// the broker is away an update replaces the one before, so memory stays
// one payload per camera and the reconnect publishes only the latest.
type retainedCache struct {
	mu    sync.Mutex
	slots map[string]*slot
	kick  chan struct{} // capacity 1: something became dirty
}

// slot is one topic's latest payload; version grows with each update and
// sent is the version the broker acknowledged.
type slot struct {
	payload []byte
	qos     byte
	version uint64
	sent    uint64
}

// pendingRetained is one publish the sender owes the broker.
type pendingRetained struct {
	topic   string
	payload []byte
	qos     byte
	version uint64
}

func newRetainedCache() *retainedCache {
	return &retainedCache{slots: map[string]*slot{}, kick: make(chan struct{}, 1)}
}

// set stores the latest payload of a topic, sent at QoS 1, and wakes the
// sender.
func (r *retainedCache) set(topic string, payload []byte) { r.setQoS(topic, payload, 1) }

// setQoS stores the latest payload of a topic, sent at qos, and wakes the
// sender.
func (r *retainedCache) setQoS(topic string, payload []byte, qos byte) {
	r.mu.Lock()
	s := r.slots[topic]
	if s == nil {
		s = &slot{}
		r.slots[topic] = s
	}
	s.payload, s.qos = payload, qos
	s.version++
	r.mu.Unlock()
	r.wake()
}

// wake tells the sender to look for dirty topics.
func (r *retainedCache) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// resendAll marks every topic unsent (the caller wakes the sender): after a reconnect the broker may have
// restarted without persistence and lost its retained messages.
func (r *retainedCache) resendAll() {
	r.mu.Lock()
	for _, s := range r.slots {
		s.sent = 0
	}
	r.mu.Unlock()
}

// dirty returns the topics whose latest version the broker has not
// acknowledged, in topic order.
func (r *retainedCache) dirty() []pendingRetained {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []pendingRetained
	for t, s := range r.slots {
		if s.sent != s.version {
			out = append(out, pendingRetained{topic: t, payload: s.payload, qos: s.qos, version: s.version})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].topic < out[j].topic })
	return out
}

// acked records that the broker has a topic's version.
func (r *retainedCache) acked(p pendingRetained) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.slots[p.topic]; s != nil && p.version > s.sent {
		s.sent = p.version
	}
}
