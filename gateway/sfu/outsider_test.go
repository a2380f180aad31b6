package sfu

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/pion/stun/v4"
)

// Real: the SFU's shared ICE UDP port with a live viewer on it. A
// stranger who never went through WHEP knows no session's ICE username
// and password: its STUN binding requests (what any media or DTLS exchange
// must begin with) get no answer at all, while the viewer's stream flows
// on through the same port. The wait for an answer is bounded (1 s): here
// absence is the assertion.
func TestStrangerGetsNothingFromTheICEPort(t *testing.T) {
	s, hs, _ := startSFU(t, nil)
	publish(t, hs.URL, "cam1", edgeTok, clip(t))
	v := watch(t, hs.URL, "cam1", viewerTok)
	v.await(t, 10, 10*time.Second)

	conn, err := net.DialUDP("udp", nil, s.UDPAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, user := range []string{"stranger:guess", "a1b2c3d4:e5f6a7b8", ""} {
		setters := []stun.Setter{stun.TransactionID, stun.BindingRequest}
		if user != "" {
			setters = append(setters, stun.NewUsername(user), stun.NewShortTermIntegrity("not-the-password"))
		}
		setters = append(setters, stun.Fingerprint)
		msg := stun.MustBuild(setters...)
		if _, err := conn.Write(msg.Raw); err != nil {
			t.Fatal(err)
		}
	}
	conn.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 1500)
	if n, err := conn.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the ICE port answered a stranger: %d bytes, %v", n, err)
	}
	v.drain()
	v.await(t, 10, 10*time.Second)
}
