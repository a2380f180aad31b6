package peers

import (
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Link is a TCP relay in front of a camera that a test can cut. While up
// it forwards every connection. Cut closes them all, and until Restore new
// connections are accepted and never answered, like a camera that died
// behind a switch that still accepts: every reconnection hangs until the
// reader's timeout.
type Link struct {
	addr, to, path string
	// toServer and toClient delay each direction (DelayedTCPLink).
	toServer, toClient time.Duration

	mu   sync.Mutex
	up   bool
	open map[net.Conn]bool
}

// CameraLink relays to the host and port of the RTSP URL cam, up, until
// the test ends.
func CameraLink(t testing.TB, cam string) *Link {
	t.Helper()
	u, err := url.Parse(cam)
	if err != nil {
		t.Fatal(err)
	}
	l := &Link{to: u.Host, path: u.Path, up: true, open: map[net.Conn]bool{}}
	l.addr = listen(t, l.handle)
	return l
}

// TCPLink relays to addr (host:port), up, until the test ends: a link a
// test can cut between any TCP client and its server.
func TCPLink(t testing.TB, addr string) *Link {
	t.Helper()
	l := &Link{to: addr, up: true, open: map[net.Conn]bool{}}
	l.addr = listen(t, l.handle)
	return l
}

// Addr is the link's own host:port.
func (l *Link) Addr() string { return l.addr }

// URL is the camera's URL through the link.
func (l *Link) URL() string { return "rtsp://" + l.addr + l.path }

// Cut closes every connection and leaves new ones unanswered.
func (l *Link) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up = false
	for c := range l.open {
		c.Close()
	}
}

// Restore forwards new connections again; those held stay silent.
func (l *Link) Restore() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up = true
}

// track registers c for Cut and tells whether the link is up.
func (l *Link) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open[c] = true
	return l.up
}

func (l *Link) untrack(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.open, c)
}

func (l *Link) handle(c net.Conn) {
	defer l.untrack(c)
	if !l.track(c) {
		drain(c)
		return
	}
	d, err := net.Dial("tcp", l.to)
	if err != nil {
		return
	}
	l.track(d)
	defer l.untrack(d)
	done := make(chan struct{}, 2)
	go func() { relay(d, c, l.toServer); done <- struct{}{} }()
	go func() { relay(c, d, l.toClient); done <- struct{}{} }()
	<-done
	c.Close()
	d.Close()
	<-done
}

// drain reads and drops everything until the connection closes.
func drain(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}
