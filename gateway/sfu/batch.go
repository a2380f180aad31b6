package sfu

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// batchConn is the shared ICE UDP socket, sending with sendmmsg: every
// write is copied into a queue and a sender goroutine hands whatever has
// queued to the kernel in one call. A packet forwarded to 30 viewers was
// 30 sendto calls, the SFU's largest cost; queued, a frame's packets to
// every viewer go out in a few calls. Reads are raw system calls too.
type batchConn struct {
	*net.UDPConn
	out *mmsg // the sender's sendmmsg (sendmmsg_*.go)

	mu sync.Mutex
	// queue is filled by writers, sending by the sender; they swap. Their
	// datagrams keep their buffers, reused once sent, so a write allocates
	// nothing and nothing is kept per peer: a cache of addresses by peer
	// kept an entry for every viewer that ever watched (each comes from a
	// new port).
	queue, sending []datagram
	// dropped counts writes dropped on a full queue since loggedAt, when
	// they were last logged (at most once a minute).
	dropped  int
	loggedAt time.Time
	log      zerolog.Logger
	wake     chan struct{}
	// holds counts writers that defer the sender's wakeup (hold, release).
	holds  atomic.Int32
	done   chan struct{}
	closed bool
	wg     sync.WaitGroup
}

// maxQueued bounds the packets waiting for the sender; beyond it writes are
// dropped, as a full socket buffer would drop them.
const maxQueued = 8192

// datagram is one queued packet and where it goes.
type datagram struct {
	buf  []byte
	addr netip.AddrPort
}

func newBatchConn(c *net.UDPConn, log zerolog.Logger) *batchConn {
	b := &batchConn{UDPConn: c, out: newMmsg(c), log: log,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	b.wg.Add(1)
	go b.send()
	return b
}

// WriteTo queues b for addr.
func (b *batchConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return b.UDPConn.WriteTo(p, addr)
	}
	return b.WriteToAddrPort(p, ua.AddrPort())
}

// ReadFromAddrPort reads one datagram (pion's allocation-free read path)
// with mmsg's raw read (sendmmsg_*.go).
func (b *batchConn) ReadFromAddrPort(p []byte) (int, netip.AddrPort, error) { return b.out.read(p) }

// ReadFrom reads one datagram as ReadFromAddrPort does.
func (b *batchConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, ap, err := b.out.read(p)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(ap), nil
}

// WriteToAddrPort queues p for addr (pion's allocation-free write path).
func (b *batchConn) WriteToAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, net.ErrClosed
	}
	if len(b.queue) >= maxQueued {
		b.dropped++
		now := time.Now()
		if now.Sub(b.loggedAt) < time.Minute {
			b.mu.Unlock()
			return len(p), nil
		}
		n := b.dropped
		b.dropped, b.loggedAt = 0, now
		b.mu.Unlock()
		b.log.Warn().Int("dropped", n).Int("queued", maxQueued).
			Msg("ICE socket: the sender is behind, packets dropped (CPU starved?); logged at most once a minute")
		return len(p), nil
	}
	n := len(b.queue)
	if n < cap(b.queue) {
		b.queue = b.queue[:n+1]
	} else {
		b.queue = append(b.queue, datagram{})
	}
	d := &b.queue[n]
	d.buf, d.addr = append(d.buf[:0], p...), addr
	queued := len(b.queue)
	b.mu.Unlock()
	if b.holds.Load() == 0 || queued >= holdMax {
		b.signal()
	}
	return len(p), nil
}

// holdMax is how many queued packets wake the sender even while held:
// the first viewers of a frame to 30 viewers (420 packets, about a
// millisecond of encryption) need not wait for the last ones'.
const holdMax = 128

// signal wakes the sender, unless a wakeup is already pending.
func (b *batchConn) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// hold defers waking the sender until the matching release: a frame
// written to every viewer then goes to the kernel in one sendmmsg. Woken
// at its first packet, the sender ran beside the writer and sent a few
// packets a call, and every wakeup cost the scheduler more than the
// packets it sent (the largest fixed cost of a camera with 10 viewers).
func (b *batchConn) hold() { b.holds.Add(1) }

// release ends a hold, waking the sender when no other writer holds it.
func (b *batchConn) release() {
	if b.holds.Add(-1) == 0 {
		b.signal()
	}
}

// send hands the queued packets to the kernel until Close.
func (b *batchConn) send() {
	defer b.wg.Done()
	for {
		select {
		case <-b.wake:
		case <-b.done:
			return
		}
		b.mu.Lock()
		b.queue, b.sending = b.sending[:0], b.queue
		b.mu.Unlock()
		for q := b.sending; len(q) > 0; {
			n, err := b.out.write(q)
			if err != nil {
				n++ // this one failed (peer gone, no route): skip it, as sendto would
			}
			q = q[min(n, len(q)):]
		}
	}
}

// Close stops the sender and closes the socket; idempotent.
func (b *batchConn) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.done)
	b.wg.Wait()
	return b.UDPConn.Close()
}
