package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
)

// FreePort returns a port free on 127.0.0.1 at the time of the call, for
// network "tcp" or "udp".
func FreePort(network string) int {
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// OpenEvents opens the gateway's event stream (/api/events) at base with
// a console token; the caller reads and closes the body.
func OpenEvents(ctx context.Context, base, token string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("/api/events: %d", resp.StatusCode)
	}
	return resp, nil
}
