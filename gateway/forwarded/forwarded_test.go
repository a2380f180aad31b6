package forwarded

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestOrigin: forwarding headers count only from a trusted proxy; from
// anybody else they are ignored, so a client cannot claim HTTPS (and with
// it a Secure cookie's protection) or another address.
func TestOrigin(t *testing.T) {
	proxies := Proxies{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("fd00::1/128")}
	for _, c := range []struct {
		name, remote, xff, proto string
		tls                      bool
		addr                     string
		https                    bool
	}{
		{"direct", "203.0.113.7:5000", "", "", false, "203.0.113.7", false},
		{"direct over TLS", "203.0.113.7:5000", "", "", true, "203.0.113.7", true},
		{"direct, forged headers", "203.0.113.7:5000", "198.51.100.1", "https", false, "203.0.113.7", false},
		{"direct TLS, forged http", "203.0.113.7:5000", "", "http", true, "203.0.113.7", true},
		{"trusted proxy", "10.1.2.3:443", "198.51.100.9", "https", false, "198.51.100.9", true},
		{"trusted proxy says http", "10.1.2.3:443", "198.51.100.9", "http", false, "198.51.100.9", false},
		{"client prepends a lie", "10.1.2.3:443", "1.2.3.4, 198.51.100.9", "https", false, "198.51.100.9", true},
		{"two trusted hops", "10.1.2.3:443", "198.51.100.9, 10.1.9.9", "https", false, "198.51.100.9", true},
		{"trusted v6 proxy", "[fd00::1]:443", "2001:db8::5", "https", false, "2001:db8::5", true},
		{"v4-mapped peer", "[::ffff:10.1.2.3]:443", "198.51.100.9", "https", false, "198.51.100.9", true},
		{"garbage hop", "10.1.2.3:443", "not-an-ip", "", false, "10.1.2.3", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if c.proto != "" {
				r.Header.Set("X-Forwarded-Proto", c.proto)
			}
			if c.tls {
				r.TLS = &tls.ConnectionState{}
			}
			var got Origin
			var remote string
			proxies.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got, remote = Of(r), r.RemoteAddr })).
				ServeHTTP(httptest.NewRecorder(), r)
			if got.Addr.String() != c.addr || got.HTTPS != c.https {
				t.Fatalf("origin %v https %v, want %s https %v", got.Addr, got.HTTPS, c.addr, c.https)
			}
			if a, err := netip.ParseAddrPort(remote); err != nil || a.Addr() != got.Addr {
				t.Fatalf("RemoteAddr %q, want the client's address", remote)
			}
		})
	}
}

// TestKey groups an IPv6 /64 and keeps IPv4 addresses apart.
func TestKey(t *testing.T) {
	a := Origin{Addr: netip.MustParseAddr("2001:db8:1:2:aaaa::1")}.Key()
	b := Origin{Addr: netip.MustParseAddr("2001:db8:1:2:bbbb::9")}.Key()
	if a != b || a != "2001:db8:1:2::/64" {
		t.Fatalf("keys %s %s, want one /64", a, b)
	}
	if k := (Origin{Addr: netip.MustParseAddr("192.0.2.1")}).Key(); k != "192.0.2.1" {
		t.Fatalf("v4 key %s", k)
	}
}

// Without Handler, Of is the peer.
func TestOfWithoutHandler(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.4:1"
	r.Header.Set("X-Forwarded-Proto", "https")
	if o := Of(r); o.Addr.String() != "192.0.2.4" || o.HTTPS {
		t.Fatalf("%+v", o)
	}
}
