// Package notify fans change notifications out to listeners (the console's
// server-sent events) without ever blocking the publisher: the MQTT
// callbacks that publish must keep draining the broker whatever a slow
// browser does. Each listener has a bounded queue and its own goroutine;
// what does not fit is dropped and counted.
package notify

import (
	"sync"
	"sync/atomic"
)

// DefaultBuffer is a listener's queue length when New is given 0.
const DefaultBuffer = 256

// Hub delivers every published value to every listener, in order per
// listener. The zero Hub is not usable: build one with New.
type Hub[T any] struct {
	buffer  int
	mu      sync.RWMutex
	subs    map[*listener[T]]struct{}
	dropped atomic.Uint64
}

// listener is one Subscribe: its queue and callback.
type listener[T any] struct {
	ch   chan T
	done chan struct{} // closed once the goroutine has returned
}

// New makes a Hub whose listeners queue up to buffer values (DefaultBuffer if 0).
func New[T any](buffer int) *Hub[T] {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &Hub[T]{buffer: buffer, subs: map[*listener[T]]struct{}{}}
}

// Subscribe calls fn with every value published from now on, one at a
// time on a goroutine of its own, until cancel is called. cancel waits
// until fn has returned for the last time; it must not be called from fn.
func (h *Hub[T]) Subscribe(fn func(T)) (cancel func()) {
	l := &listener[T]{ch: make(chan T, h.buffer), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for v := range l.ch {
			fn(v)
		}
	}()
	h.mu.Lock()
	h.subs[l] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, l)
			close(l.ch) // no Publish sends now: they hold the read lock
			h.mu.Unlock()
			<-l.done
		})
	}
}

// Publish queues v for every listener and returns at once; a listener
// whose queue is full misses v (counted in Dropped).
func (h *Hub[T]) Publish(v T) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for l := range h.subs {
		select {
		case l.ch <- v:
		default:
			h.dropped.Add(1)
		}
	}
}

// Listeners is the number of current listeners.
func (h *Hub[T]) Listeners() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// Dropped is how many deliveries were dropped for full queues so far.
func (h *Hub[T]) Dropped() uint64 { return h.dropped.Load() }
