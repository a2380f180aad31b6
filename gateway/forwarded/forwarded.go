// Package forwarded tells who a gateway request comes from and whether it
// reached the gateway over HTTPS: the TCP peer and its TLS state, unless
// that peer is one of the configured trusted proxies, whose
// X-Forwarded-For and X-Forwarded-Proto are then believed (and nobody
// else's: a client cannot claim an address or HTTPS by sending them).
// Logins are throttled and refused calls audited by this address; the
// session cookie is Secure by this scheme. It imports nothing of Argus.
package forwarded

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Origin is where a request comes from.
type Origin struct {
	// Addr is the client's address: the peer's, or the one a trusted proxy forwarded.
	Addr netip.Addr
	// HTTPS says the client spoke TLS to the gateway or to its trusted proxy.
	HTTPS bool
}

// Proxies are the trusted proxies' networks.
type Proxies []netip.Prefix

type key struct{}

// Handler records each request's Origin for next (read it with Of) and
// sets r.RemoteAddr to the client's address, so that every log line and
// limit downstream sees the client rather than the proxy.
func (p Proxies) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := p.origin(r)
		if o.Addr.IsValid() {
			r.RemoteAddr = netip.AddrPortFrom(o.Addr, 0).String()
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, o)))
	})
}

// Of is r's Origin: the one Handler recorded, else the TCP peer's own.
func Of(r *http.Request) Origin {
	if o, ok := r.Context().Value(key{}).(Origin); ok {
		return o
	}
	return Origin{Addr: peer(r), HTTPS: r.TLS != nil}
}

// origin believes the forwarding headers only from a trusted peer. Of
// X-Forwarded-For it takes the rightmost address that is not a trusted
// proxy: the ones to its left were written by the client and prove nothing.
func (p Proxies) origin(r *http.Request) Origin {
	o := Origin{Addr: peer(r), HTTPS: r.TLS != nil}
	if !o.Addr.IsValid() || !p.trusted(o.Addr) {
		return o
	}
	if proto := lastValue(r.Header.Values("X-Forwarded-Proto")); proto != "" {
		o.HTTPS = strings.EqualFold(proto, "https")
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a hop we cannot read: stop at the last one we could
		}
		o.Addr = a.Unmap()
		if !p.trusted(o.Addr) {
			break
		}
	}
	return o
}

func (p Proxies) trusted(a netip.Addr) bool {
	for _, n := range p {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// lastValue is the last comma-separated value of a header: the one the nearest proxy wrote.
func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	parts := strings.Split(values[len(values)-1], ",")
	return strings.TrimSpace(parts[len(parts)-1])
}

// peer is the TCP peer's address (invalid when RemoteAddr is not ip:port).
func peer(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// Key is the address limits and audit entries count by: an IPv4 address,
// or an IPv6 address's /64 (one subscriber commonly holds a whole /64,
// so counting its addresses apart would give an attacker 2^64 tries).
func (o Origin) Key() string {
	switch {
	case !o.Addr.IsValid():
		return "unknown"
	case o.Addr.Is4():
		return o.Addr.String()
	}
	p, _ := o.Addr.Prefix(64)
	return p.String()
}
