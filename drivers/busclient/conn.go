package busclient

import "sync"

// connState tracks whether the MQTT connection is up, as channels a
// goroutine can select on: up is closed while connected, lost is closed
// when the current connection ends.
type connState struct {
	mu       sync.Mutex
	up       chan struct{}
	lost     chan struct{}
	connects uint64
}

// newConnState starts disconnected.
func newConnState() *connState {
	lost := make(chan struct{})
	close(lost)
	return &connState{up: make(chan struct{}), lost: lost}
}

// channels returns the current pair: wait on up, then watch lost.
func (s *connState) channels() (up, lost <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.up, s.lost
}

// isUp tells whether the connection is up now.
func (s *connState) isUp() bool {
	up, _ := s.channels()
	select {
	case <-up:
		return true
	default:
		return false
	}
}

// connected records a new connection.
func (s *connState) connected() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connects++
	s.lost = make(chan struct{})
	select {
	case <-s.up:
	default:
		close(s.up)
	}
}

// disconnected records the loss of the connection.
func (s *connState) disconnected() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.up:
		s.up = make(chan struct{})
	default:
	}
	select {
	case <-s.lost:
	default:
		close(s.lost)
	}
}

// count returns how many times the client connected.
func (s *connState) count() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}
