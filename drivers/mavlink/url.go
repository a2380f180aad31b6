package mavlink

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/bluenviron/gomavlib/v3"
)

// ParseLink turns a link URL into a gomavlib endpoint. The schemes name
// endpoints as mavp2p does: udps://host:port (UDP server, listens),
// udpc://host:port (UDP client), tcps://host:port, tcpc://host:port and
// serial:///dev/ttyUSB0?baud=57600 (baud defaults to 57600).
func ParseLink(link string) (gomavlib.EndpointConf, error) {
	u, err := url.Parse(link)
	if err != nil {
		// url.Error quotes the whole link, password and all: keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("link: not a URL: %w", err)
	}
	if u.User != nil {
		return nil, fmt.Errorf("link %q: credentials are not supported in a MAVLink link", redact(u))
	}
	link = redact(u)
	if u.Scheme == "serial" {
		return parseSerial(u)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("link %q: want %s://host:port and nothing after it", link, u.Scheme)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return nil, fmt.Errorf("link %q: want %s://host:port: %w", link, u.Scheme, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("link %q: port %q: want 1..65535", link, port)
	}
	addr := net.JoinHostPort(host, port)
	switch u.Scheme {
	case "udps":
		return gomavlib.EndpointUDPServer{Address: addr}, nil
	case "udpc":
		if host == "" {
			return nil, fmt.Errorf("link %q: a UDP client needs a host to send to", link)
		}
		return gomavlib.EndpointUDPClient{Address: addr}, nil
	case "tcps":
		return gomavlib.EndpointTCPServer{Address: addr}, nil
	case "tcpc":
		if host == "" {
			return nil, fmt.Errorf("link %q: a TCP client needs a host to connect to", link)
		}
		return gomavlib.EndpointTCPClient{Address: addr}, nil
	}
	return nil, fmt.Errorf("link %q: scheme %q: want udps, udpc, tcps, tcpc or serial", link, u.Scheme)
}

func parseSerial(u *url.URL) (gomavlib.EndpointConf, error) {
	if u.Host != "" || !strings.HasPrefix(u.Path, "/") || len(u.Path) < 2 {
		return nil, fmt.Errorf("link %q: want serial:///dev/ttyUSB0?baud=57600", u.String())
	}
	baud := 57600
	q := u.Query()
	for k := range q {
		if k != "baud" {
			return nil, fmt.Errorf("link %q: unknown option %q: only baud", u.String(), k)
		}
	}
	if b := q.Get("baud"); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < 50 || n > 4000000 {
			return nil, fmt.Errorf("link %q: baud %q: want a rate such as 57600", u.String(), b)
		}
		baud = n
	}
	return gomavlib.EndpointSerial{Device: u.Path, Baud: baud}, nil
}

// redact drops a URL's credentials before it reaches an error or a log.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
