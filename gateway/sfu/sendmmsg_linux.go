//go:build linux

package sfu

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsg sends queued datagrams with one sendmmsg, its headers, addresses
// and iovecs kept and reused, and reads with a raw recvfrom.
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

	zonesMu sync.Mutex
	zones   map[uint32]string // interface names by index (link-local peers' zones)
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

// read reads one datagram into p with a raw recvfrom, waiting in the
// poller while none is there. Go's own read enters the runtime's system
// call state, and its first one after the gateway went idle (every uplink
// packet, a few hundred a second) woke sysmon, which then napped 20 µs at
// a time until the process was idle again: a sixth of the gateway's CPU
// at 10 viewers. The socket is non-blocking, so the call never waits.
func (m *mmsg) read(p []byte) (int, netip.AddrPort, error) {
	if m.err != nil {
		return 0, netip.AddrPort{}, m.err
	}
	var (
		n     int
		errno syscall.Errno
		sa    unix.RawSockaddrInet6
	)
	err := m.raw.Read(func(fd uintptr) bool {
		for {
			salen := uint32(unix.SizeofSockaddrInet6)
			r, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), 0,
				uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&salen)))
			switch e {
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false // the poller waits for the next datagram
			}
			n, errno = int(r), e
			return true
		}
	})
	switch {
	case err != nil:
		return 0, netip.AddrPort{}, err
	case errno != 0:
		return 0, netip.AddrPort{}, errno
	}
	return n, m.addrPort(&sa), nil
}

// addrPort is the sender's address in sa as Go's own read gives it: an
// IPv4 peer of a dual-stack socket as a mapped address, a link-local
// one with its interface's name as zone.
func (m *mmsg) addrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	b := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port := uint16(b[0])<<8 | uint16(b[1])
	if sa.Family == unix.AF_INET {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	}
	ip := netip.AddrFrom16(sa.Addr)
	if sa.Scope_id != 0 {
		ip = ip.WithZone(m.zone(sa.Scope_id))
	}
	return netip.AddrPortFrom(ip, port)
}

// zone is the name of interface index, looked up once (the index as a
// number if there is no such interface, as Go does).
func (m *mmsg) zone(index uint32) string {
	m.zonesMu.Lock()
	defer m.zonesMu.Unlock()
	if z, ok := m.zones[index]; ok {
		return z
	}
	z := strconv.FormatUint(uint64(index), 10)
	if ifi, err := net.InterfaceByIndex(int(index)); err == nil {
		z = ifi.Name
	}
	if m.zones == nil {
		m.zones = map[uint32]string{}
	}
	m.zones[index] = z
	return z
}

// setPort writes port in network byte order.
func setPort(b *[2]byte, port uint16) { b[0], b[1] = byte(port>>8), byte(port) }
