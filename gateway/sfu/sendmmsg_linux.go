//go:build linux

package sfu

import (
	"errors"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsg sends queued datagrams with one sendmmsg, its headers, addresses
// and iovecs kept and reused.
//
// The call is a raw system call: the socket is non-blocking, so sendmmsg
// never waits (a full buffer is EAGAIN, and the poller waits for room).
// Made as an ordinary system call, the runtime counted the sender's thread
// as blocked while the kernel delivered a frame to every viewer (on
// loopback, to the receivers too: a millisecond for hundreds of
// datagrams), and sysmon, polling every 20 µs while it found such
// threads, took the thread's P away and woke another thread to run what
// waited: at 10 viewers a fifth of the gateway's CPU was sysmon and those
// hand-offs.
type mmsg struct {
	raw   syscall.RawConn
	inet6 bool // the socket is AF_INET6 (IPv4 peers as mapped addresses)
	hdrs  []unix.Mmsghdr
	addrs []unix.RawSockaddrInet6
	iovs  []unix.Iovec
	err   error // why the socket cannot be used raw; then write says so
}

// maxMmsg is the most datagrams one sendmmsg takes (the kernel's UIO_MAXIOV).
const maxMmsg = 1024

func newMmsg(c *net.UDPConn) *mmsg {
	m := &mmsg{}
	if m.raw, m.err = c.SyscallConn(); m.err != nil {
		return m
	}
	var dom int
	cerr := m.raw.Control(func(fd uintptr) { dom, m.err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN) })
	if cerr != nil {
		m.err = cerr
	}
	m.inet6 = dom == unix.AF_INET6
	return m
}

// write hands the first datagrams of q (up to maxMmsg) to the kernel and
// returns how many it took; on an error the first datagram not taken is
// the one that failed.
func (m *mmsg) write(q []datagram) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	n := min(len(q), maxMmsg)
	if len(m.hdrs) < n {
		m.hdrs, m.addrs, m.iovs = make([]unix.Mmsghdr, n), make([]unix.RawSockaddrInet6, n), make([]unix.Iovec, n)
	}
	for i := range n {
		if !m.sockaddr(&m.addrs[i], &m.hdrs[i].Hdr, q[i]) {
			if i == 0 {
				return 0, errors.New("an IPv6 peer on an IPv4 socket")
			}
			n = i
			break
		}
		d := &q[i]
		m.iovs[i].Base = unsafe.SliceData(d.buf)
		m.iovs[i].SetLen(len(d.buf))
		h := &m.hdrs[i].Hdr
		h.Iov = &m.iovs[i]
		h.SetIovlen(1)
	}
	var sent int
	var errno syscall.Errno
	err := m.raw.Write(func(fd uintptr) bool {
		for {
			r, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&m.hdrs[0])), uintptr(n), 0, 0, 0)
			switch e {
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false // the poller waits until the socket has room
			}
			sent, errno = int(r), e
			return true
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, errno
	}
	return sent, nil
}

// sockaddr writes d's address into sa for the socket's family and points
// h at it; false for an IPv6 peer on an IPv4 socket.
func (m *mmsg) sockaddr(sa *unix.RawSockaddrInet6, h *unix.Msghdr, d datagram) bool {
	ip, port := d.addr.Addr(), d.addr.Port()
	if m.inet6 {
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ip.As16()}
		setPort((*[2]byte)(unsafe.Pointer(&sa.Port)), port)
		h.Name, h.Namelen = (*byte)(unsafe.Pointer(sa)), unix.SizeofSockaddrInet6
		return true
	}
	ip = ip.Unmap()
	if !ip.Is4() {
		return false
	}
	sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
	*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip.As4()}
	setPort((*[2]byte)(unsafe.Pointer(&sa4.Port)), port)
	h.Name, h.Namelen = (*byte)(unsafe.Pointer(sa)), unix.SizeofSockaddrInet4
	return true
}

// setPort writes port in network byte order.
func setPort(b *[2]byte, port uint16) { b[0], b[1] = byte(port>>8), byte(port) }
