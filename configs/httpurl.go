package configs

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/argus-edge/argus/configs/strict"
)

// AdvertisedURL is the base URL of the edge's HTTP API as the gateway
// reaches it (edge.http_url, with {id} the edge id). Without one it is
// http:// and the listen address, on loopback when the address names no
// host (":9100", "0.0.0.0:9100"): right when the gateway runs on the same
// machine (make run, make district); elsewhere set edge.http_url.
func (i Identity) AdvertisedURL() string {
	if i.HTTPURL != "" {
		return strings.TrimRight(strings.ReplaceAll(i.HTTPURL, "{id}", i.ID), "/")
	}
	host, port, err := net.SplitHostPort(i.HTTP)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// checkHTTPURL refuses an edge.http_url that is not http(s)://host[:port]:
// the gateway appends the API's paths to it.
func checkHTTPURL(ps *strict.Problems, field string, i Identity) {
	if i.HTTPURL == "" {
		return
	}
	u, err := url.Parse(i.AdvertisedURL())
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		ps.Add(field, fmt.Sprintf("%q is not a URL like http://10.0.0.5:9100 or http://{id}.argus-edge:9100", i.HTTPURL))
	case u.User != nil:
		ps.Add(field, fmt.Sprintf("%q: no user or password in the URL (the gateway sends its token)", i.HTTPURL))
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		ps.Add(field, fmt.Sprintf("%q: a base URL without path, query or fragment (the gateway appends /api/…)", i.HTTPURL))
	}
}
