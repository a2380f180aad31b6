package sfu

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestBatchConnSendsInOrder writes a burst through the batching socket to
// two real UDP receivers: each gets every datagram, whole and in order,
// and a closed socket refuses writes.
func TestBatchConnSendsInOrder(t *testing.T) {
	raw, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	b := newBatchConn(raw, zerolog.Nop())
	var peers []*net.UDPConn
	for range 2 {
		p, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		p.SetReadBuffer(1 << 20)
		peers = append(peers, p)
	}
	const n = 200
	for i := range n {
		for j, p := range peers {
			msg := []byte{byte(i), byte(j), 0xAB}
			var err error
			if j == 0 {
				_, err = b.WriteTo(msg, p.LocalAddr())
			} else {
				_, err = b.WriteToAddrPort(msg, p.LocalAddr().(*net.UDPAddr).AddrPort())
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for j, p := range peers {
		p.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 64)
		for i := range n {
			k, err := p.Read(buf)
			if err != nil {
				t.Fatalf("peer %d: datagram %d: %v", j, i, err)
			}
			if k != 3 || buf[0] != byte(i) || buf[1] != byte(j) || buf[2] != 0xAB {
				t.Fatalf("peer %d: datagram %d is %x, want %x", j, i, buf[:k], []byte{byte(i), byte(j), 0xAB})
			}
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := b.WriteTo([]byte{1}, peers[0].LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v, want net.ErrClosed", err)
	}
}

// TestBatchConnHoldDefersTheSender: writes made while the socket is held
// stay queued (the sender is not woken, so a frame to every viewer goes
// out in one sendmmsg) and reach a real UDP receiver once released.
func TestBatchConnHoldDefersTheSender(t *testing.T) {
	raw, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	b := newBatchConn(raw, zerolog.Nop())
	defer b.Close()
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	b.hold()
	b.hold() // a second writer (another camera) holds too
	for i := range 3 {
		if _, err := b.WriteToAddrPort([]byte{byte(i)}, to); err != nil {
			t.Fatal(err)
		}
	}
	b.release()
	b.mu.Lock()
	queued := len(b.queue)
	b.mu.Unlock()
	if queued != 3 {
		t.Fatalf("%d packets queued while held, want 3 (the sender ran)", queued)
	}
	b.release()
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 16)
	for i := range 3 {
		n, err := peer.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d after release: %v", i, err)
		}
		if n != 1 || buf[0] != byte(i) {
			t.Fatalf("datagram %d is %x", i, buf[:n])
		}
	}
}

// TestBatchConnFamilies: a dual-stack socket (as the SFU's ":port")
// reaches an IPv4 peer (as a mapped address) and an IPv6 one; an IPv4
// socket refuses an IPv6 peer and still sends what follows it.
func TestBatchConnFamilies(t *testing.T) {
	v4 := listenUDP(t, "127.0.0.1:0")
	v6 := listenUDP(t, "[::1]:0")
	for _, c := range []struct {
		socket string
		peers  []*net.UDPConn
		lost   *net.UDPConn // a peer the socket cannot reach
	}{
		{"[::]:0", []*net.UDPConn{v4, v6}, nil},
		{"127.0.0.1:0", []*net.UDPConn{v4}, v6},
	} {
		t.Run(c.socket, func(t *testing.T) {
			b := newBatchConn(listenUDP(t, c.socket), zerolog.Nop())
			defer b.Close()
			b.hold() // one sendmmsg: the refused datagram first
			if c.lost != nil {
				b.WriteToAddrPort([]byte("lost"), c.lost.LocalAddr().(*net.UDPAddr).AddrPort())
			}
			for _, p := range c.peers {
				b.WriteToAddrPort([]byte(c.socket), p.LocalAddr().(*net.UDPAddr).AddrPort())
			}
			b.release()
			for _, p := range c.peers {
				p.SetReadDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 64)
				k, err := p.Read(buf)
				if err != nil || string(buf[:k]) != c.socket {
					t.Fatalf("peer %v: %q, %v; want %q", p.LocalAddr(), buf[:k], err, c.socket)
				}
			}
			// The peers answer; the raw read tells each one's address as
			// Go's read would (an IPv4 peer of a dual-stack socket mapped).
			for _, p := range c.peers {
				to := &net.UDPAddr{IP: net.IPv6loopback, Port: b.LocalAddr().(*net.UDPAddr).Port}
				if p.LocalAddr().(*net.UDPAddr).IP.To4() != nil {
					to.IP = net.IPv4(127, 0, 0, 1)
				}
				if _, err := p.WriteTo([]byte("back"), to); err != nil {
					t.Fatal(err)
				}
				b.SetReadDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 64)
				k, from, err := b.ReadFromAddrPort(buf)
				want := p.LocalAddr().(*net.UDPAddr).AddrPort()
				if err != nil || string(buf[:k]) != "back" || from.Addr().Unmap() != want.Addr() || from.Port() != want.Port() ||
					from.Addr().Is4In6() != (c.socket == "[::]:0" && want.Addr().Is4()) {
					t.Fatalf("read %q from %v, %v; want \"back\" from %v", buf[:k], from, err, want)
				}
			}
		})
	}
}

// The raw read keeps Go's read's contract: a deadline ends it with a
// timeout, a closed socket with net.ErrClosed, and pion's ReadFrom gets
// a *net.UDPAddr.
func TestBatchConnReadEnds(t *testing.T) {
	b := newBatchConn(listenUDP(t, "127.0.0.1:0"), zerolog.Nop())
	peer := listenUDP(t, "127.0.0.1:0")
	if _, err := peer.WriteTo([]byte("x"), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, from, err := b.ReadFrom(buf); err != nil || from.String() != peer.LocalAddr().String() {
		t.Fatalf("ReadFrom: %v, %v; want from %v", from, err, peer.LocalAddr())
	}
	b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, _, err := b.ReadFromAddrPort(buf); !os.IsTimeout(err) {
		t.Fatalf("past the deadline: %v, want a timeout", err)
	}
	b.SetReadDeadline(time.Time{})
	read := make(chan error, 1)
	go func() { _, _, err := b.ReadFromAddrPort(buf); read <- err }()
	b.Close()
	if err := <-read; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read on a closed socket: %v, want net.ErrClosed", err)
	}
}

func listenUDP(t *testing.T, addr string) *net.UDPConn {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp", a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
