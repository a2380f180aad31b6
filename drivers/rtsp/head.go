package rtsp

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// headLen is how many of the first bytes a camera sends are kept, enough
// to recognise a web server's status line or a binary protocol.
const headLen = 48

// quote shows the first bytes received, escaped, with an ellipsis when
// more came.
func quote(head []byte, total int) string {
	q := strconv.QuoteToASCII(string(head))
	if total > len(head) {
		q += "…"
	}
	return q
}

// headConn keeps the first bytes read from the camera, to say what answered
// when it is no RTSP server, and reads through interleaved, which batches
// reads and takes the video's RTP packets out of the stream over TCP.
type headConn struct {
	net.Conn
	*head
	in *interleaved
}

func newHeadConn(conn net.Conn, h *head) *headConn {
	return &headConn{Conn: conn, head: h, in: newInterleaved(conn, func(b []byte) {
		if !h.full.Load() {
			h.keep(b)
		}
	})}
}

// Read implements net.Conn.
func (c *headConn) Read(b []byte) (int, error) { return c.in.Read(b) }

// head is the first bytes of the latest connection; gortsplib reads on
// its own goroutine while the pull explains a failure on another.
type head struct {
	full atomic.Bool
	mu   sync.Mutex
	b    []byte
	n    int // bytes seen, up to a little past headLen
}

func (h *head) keep(p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.b == nil {
		h.b = make([]byte, 0, headLen)
	}
	h.b = append(h.b, p[:min(len(p), headLen-len(h.b))]...)
	h.n += len(p)
	if h.n > headLen {
		h.full.Store(true)
	}
}

// reset starts over for a new connection.
func (h *head) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.b, h.n = h.b[:0], 0
	h.full.Store(false)
}

func (h *head) bytes() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return bytes.Clone(h.b)
}

func (h *head) total() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}
