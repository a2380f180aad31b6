package peers

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestPortsComeFromBelowTheEphemeralRange(t *testing.T) {
	low := ephemeralLow()
	seen := map[int]bool{}
	for range 50 {
		p := FreePort(t)
		if p < lowestPort || p >= low {
			t.Fatalf("FreePort %d, want within [%d, %d)", p, lowestPort, low)
		}
		if seen[p] {
			t.Fatalf("FreePort gave %d twice", p)
		}
		seen[p] = true
	}
	pair := FreeUDPPair(t)
	p, err := strconv.Atoi(strings.TrimPrefix(pair, "127.0.0.1:"))
	if err != nil || p%2 != 0 || p >= low {
		t.Fatalf("FreeUDPPair %q: want an even port below %d", pair, low)
	}
	for _, q := range []int{p, p + 1} {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", q))
		if err != nil {
			t.Fatalf("port %d of the pair: %v", q, err)
		}
		c.Close()
	}
}

func TestABoundPortIsNotHandedOut(t *testing.T) {
	p := FreePort(t)
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+2))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ports.Lock()
	ports.next = p + 2 // the walk reaches the bound port next
	ports.Unlock()
	if q := FreePort(t); q == p+2 {
		t.Fatalf("FreePort handed out %d, which a listener holds", q)
	}
}

func TestRangesDoNotOverlap(t *testing.T) {
	a := FreePortRange(t, 3)
	b := FreePort(t)
	c := FreePortRange(t, 4)
	for _, x := range []int{b, c, c + 1, c + 2, c + 3} {
		if x >= a && x < a+3 {
			t.Fatalf("port %d handed out again within the range %d–%d", x, a, a+2)
		}
	}
	if b >= c && b < c+4 {
		t.Fatalf("FreePort %d inside the later range %d–%d", b, c, c+3)
	}
}
