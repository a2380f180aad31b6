package peers

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Ports handed to peers come from below the kernel's ephemeral range. A
// port the kernel picked for ":0" and the test then released is one the
// kernel may give the next outgoing connection of any process before the
// peer binds it (a full make test met "address already in use" on a NATS
// node that way); below the range only an explicit bind takes a port.
// Each test process starts at its own random place and walks on, so two
// packages running at once rarely try the same port, and never hold it:
// the bind check below catches the rest.
const lowestPort = 10000

var ports struct {
	sync.Mutex
	next, top int
}

// FreePort returns a port free on 127.0.0.1 for TCP and UDP at the time
// of the call, below the ephemeral range.
func FreePort(t testing.TB) int {
	t.Helper()
	return freePorts(t, 1)
}

// FreeUDPPair returns 127.0.0.1:P where P (even) and P+1 are free UDP
// (and TCP) ports at the time of the call, for the simulator's RTP and
// RTCP.
func FreeUDPPair(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("127.0.0.1:%d", freePorts(t, 2))
}

// FreePortRange returns a port p with p … p+n-1 free on 127.0.0.1 for TCP
// and UDP at the time of the call, for a program that takes consecutive
// ports from one base (deploy/district.sh's NATS nodes); no port of the
// range is handed out again by this process.
func FreePortRange(t testing.TB, n int) int {
	t.Helper()
	return freePorts(t, n)
}

// freePorts returns the first of n consecutive free ports, the first even.
func freePorts(t testing.TB, n int) int {
	t.Helper()
	ports.Lock()
	defer ports.Unlock()
	if ports.top == 0 {
		ports.top = ephemeralLow() - 1
		ports.next = lowestPort + rand.IntN(ports.top-lowestPort)
	}
	for range 2000 {
		p := ports.next &^ 1
		ports.next = p + max(2, n+n%2)
		if p+n > ports.top {
			ports.next = lowestPort
			continue
		}
		if allBindable(p, n) {
			return p
		}
	}
	t.Fatalf("no %d free port(s) below %d", n, ports.top+1)
	return 0
}

// allBindable says whether p … p+n-1 can all be bound.
func allBindable(p, n int) bool {
	for i := range n {
		if !bindable(p + i) {
			return false
		}
	}
	return true
}

// bindable says whether p can be bound on 127.0.0.1 for TCP and for UDP.
func bindable(p int) bool {
	addr := fmt.Sprintf("127.0.0.1:%d", p)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer l.Close()
	c, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	return c.Close() == nil
}

// ephemeralLow is the lowest port the kernel picks for ":0" and outgoing
// connections (32768 when it cannot say).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	low, err := strconv.Atoi(f[0])
	if err != nil || low <= lowestPort+1000 {
		return 32768
	}
	return low
}
