package sfu

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestOneUDPPortAndPublicIP: the UDP host candidates of every answer are on
// the one shared port (UDPAddr), and, with PublicIP set (1:1 NAT), they
// announce that address instead of the host's. The answers of two viewers
// are read (no connection is needed: 203.0.113.7 is a documentation
// address nobody answers on).
func TestOneUDPPortAndPublicIP(t *testing.T) {
	aus := clip(t)
	for _, c := range []struct{ publicIP, want string }{{"", "127.0.0.1"}, {"203.0.113.7", "203.0.113.7"}} {
		t.Run("public-ip="+c.publicIP, func(t *testing.T) {
			s, hs, _ := startSFU(t, func(o *Options) { o.PublicIP = c.publicIP })
			publish(t, hs.URL, "cam1", edgeTok, aus)
			port := s.UDPAddr().(*net.UDPAddr).Port
			ufrags := map[string]bool{}
			for i := range 2 {
				st, body, _ := post(t, hs.URL+"/whep/cam1", viewerTok, "application/sdp", offerFor(t))
				if st != http.StatusCreated {
					t.Fatalf("WHEP %d: %d %s", i, st, body)
				}
				hosts := 0
				for _, line := range strings.Split(body, "\r\n") {
					if u, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok {
						ufrags[u] = true
					}
					f := strings.Fields(strings.TrimPrefix(line, "a=candidate:"))
					if !strings.HasPrefix(line, "a=candidate:") || len(f) < 8 || !strings.EqualFold(f[2], "udp") || f[7] != "host" {
						continue
					}
					hosts++
					if f[4] != c.want || f[5] != strconv.Itoa(port) {
						t.Errorf("answer %d: UDP host candidate %s:%s, want %s:%d: %s", i, f[4], f[5], c.want, port, line)
					}
				}
				if hosts == 0 {
					t.Fatalf("answer %d has no UDP host candidate:\n%s", i, body)
				}
			}
			if len(ufrags) != 2 {
				t.Fatalf("two sessions, %d ICE ufrags: %v", len(ufrags), ufrags)
			}
		})
	}
}
