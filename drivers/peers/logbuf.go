package peers

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// LogBuffer collects what a process or a logger writes while the test
// reads it; safe for concurrent use.
type LogBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed by the next Write, for Await
}

// Write appends p and wakes Await.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.written != nil {
		close(l.written)
		l.written = nil
	}
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Await reports whether the log contains s within the time given. It
// wakes on each write: no polling.
func (l *LogBuffer) Await(s string, within time.Duration) bool {
	return l.AwaitFunc(func(log string) bool { return strings.Contains(log, s) }, within)
}

// AwaitFunc reports whether cond holds of the log within the time given,
// checking it once now and after each write: no polling.
func (l *LogBuffer) AwaitFunc(cond func(log string) bool, within time.Duration) bool {
	timeout := time.After(within)
	for {
		l.mu.Lock()
		if cond(l.b.String()) {
			l.mu.Unlock()
			return true
		}
		if l.written == nil {
			l.written = make(chan struct{})
		}
		next := l.written
		l.mu.Unlock()
		select {
		case <-next:
		case <-timeout:
			return false
		}
	}
}
