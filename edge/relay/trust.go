package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// Target is where a relay goes: the gateway replica that asked for it.
// A Manager keeps one relay per camera and Target.Gateway.
type Target struct {
	// Gateway is the replica's id (bus.Command.Gateway); "" is the single
	// gateway of Options.Gateway.
	Gateway string
	// URL is the replica's base URL; "" is Options.Gateway.
	URL string
}

// errUntrusted refuses a WHIP target the edge does not trust.
var errUntrusted = errors.New("not a trusted gateway")

// trust returns raw, a WHIP base URL a command names, once the edge may
// send its camera and its token there. The rule: http or https, a host,
// nothing else (no user info, path, query or fragment), and for one of
// the trusted bases (Options.Gateway, Options.Gateways) the same scheme,
// the same port and either the same host name or an IP address that the
// base's host resolves to (a headless Service lists the replicas' pod
// addresses). Anyone who can publish commands must not be able to point
// an edge's video and token at a host of their choosing.
func (o *Options) trust(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("whip_url is not a URL: %w", errUntrusted)
	case u.User != nil:
		return "", fmt.Errorf("whip_url holds user info: %w", errUntrusted)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.Opaque != "":
		return "", fmt.Errorf("whip_url %q is not http(s)://host[:port]: %w", raw, errUntrusted)
	case strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", fmt.Errorf("whip_url %q has a path, query or fragment (a base URL only): %w", raw, errUntrusted)
	}
	ip, ipErr := netip.ParseAddr(u.Hostname())
	var lookups []string
	for _, base := range o.trusted() {
		b, err := url.Parse(base)
		if err != nil || b.Scheme != u.Scheme || port(b) != port(u) {
			continue
		}
		if strings.EqualFold(b.Hostname(), u.Hostname()) {
			return u.Scheme + "://" + u.Host, nil
		}
		if ipErr != nil {
			continue // a host name is trusted only as written
		}
		ok, err := o.resolvesTo(ctx, b.Hostname(), ip)
		if err != nil {
			lookups = append(lookups, err.Error())
		}
		if ok {
			return u.Scheme + "://" + u.Host, nil
		}
	}
	why := fmt.Sprintf("whip_url %q matches neither relay.gateway nor relay.gateways (scheme, port and host or an address of it)", raw)
	if len(lookups) > 0 {
		why += "; " + strings.Join(lookups, "; ")
	}
	return "", fmt.Errorf("%s: %w", why, errUntrusted)
}

// trusted are the base URLs a WHIP target may match.
func (o *Options) trusted() []string {
	out := make([]string, 0, 1+len(o.Gateways))
	if o.Gateway != "" {
		out = append(out, o.Gateway)
	}
	return append(out, o.Gateways...)
}

// resolvesTo tells whether host is ip or resolves to it.
func (o *Options) resolvesTo(ctx context.Context, host string, ip netip.Addr) (bool, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap() == ip.Unmap(), nil
	}
	resolve := o.Resolve
	if resolve == nil {
		resolve = net.DefaultResolver.LookupHost
	}
	addrs, err := resolve(ctx, host)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, s := range addrs {
		if a, err := netip.ParseAddr(s); err == nil && a.Unmap() == ip.Unmap() {
			return true, nil
		}
	}
	return false, nil
}

// port is u's port, or its scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}
