//go:build !linux

package sfu

import (
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
)

// mmsg sends queued datagrams with x/net's WriteBatch (sendmmsg where
// the system has it, one write each elsewhere).
type mmsg struct {
	c    *net.UDPConn
	out  *ipv4.PacketConn
	msgs []ipv4.Message
}

func newMmsg(c *net.UDPConn) *mmsg { return &mmsg{c: c, out: ipv4.NewPacketConn(c)} }

// read reads one datagram into p.
func (m *mmsg) read(p []byte) (int, netip.AddrPort, error) { return m.c.ReadFromUDPAddrPort(p) }

// write hands the first datagrams of q to the kernel and returns how many
// it took.
func (m *mmsg) write(q []datagram) (int, error) {
	for len(m.msgs) < len(q) {
		m.msgs = append(m.msgs, ipv4.Message{Buffers: make([][]byte, 1), Addr: &net.UDPAddr{}})
	}
	for i, d := range q {
		m.msgs[i].Buffers[0] = d.buf
		ua := m.msgs[i].Addr.(*net.UDPAddr)
		ua.IP, ua.Port = d.addr.Addr().AsSlice(), int(d.addr.Port())
	}
	return m.out.WriteBatch(m.msgs[:len(q)], 0)
}
