package peers

import (
	"io"
	"net"
	"testing"
	"time"
)

// DelayedTCPLink is TCPLink with latency: every byte from the client
// reaches addr toServer later, every byte back reaches the client
// toClient later, like a WAN path of that one-way delay each way
// (bandwidth unbounded, nothing lost). It can be cut like any Link. A
// stand-in for `tc qdisc … netem delay`, which needs the sch_netem
// kernel module this test machine's kernel lacks.
func DelayedTCPLink(t testing.TB, addr string, toServer, toClient time.Duration) *Link {
	t.Helper()
	l := &Link{to: addr, up: true, open: map[net.Conn]bool{}, toServer: toServer, toClient: toClient}
	l.addr = listen(t, l.handle)
	return l
}

// relay copies src to dst, each chunk delay after it was read, until src
// ends or dst fails; it returns once everything read was written (or
// could not be). The reader never waits for the writer, so the sender's
// TCP sees no back-pressure: what is in flight is only latency.
func relay(dst io.Writer, src io.Reader, delay time.Duration) {
	if delay <= 0 {
		io.Copy(dst, src)
		return
	}
	type chunk struct {
		at time.Time
		b  []byte
	}
	chunks := make(chan chunk, 1<<14)
	written := make(chan struct{})
	go func() {
		defer close(written)
		failed := false
		for c := range chunks { // drained even after a failure, so the reader never blocks
			if failed {
				continue
			}
			time.Sleep(time.Until(c.at)) // the link's latency: the point of this peer
			if _, err := dst.Write(c.b); err != nil {
				failed = true
			}
		}
	}()
	for {
		buf := make([]byte, 32<<10)
		n, err := src.Read(buf)
		if n > 0 {
			chunks <- chunk{at: time.Now().Add(delay), b: buf[:n]}
		}
		if err != nil {
			break
		}
	}
	close(chunks)
	<-written
}
