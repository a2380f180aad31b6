package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
)

// -pprof serves Go's profiles only on a loopback address and only to
// holders of the metrics scrape token; without that token it refuses to
// start. Nothing simulated: the real listener, real HTTP requests.
func TestGatewayPprofNeedsTheScrapeToken(t *testing.T) {
	const token = "pprof-scrape-token-0123456789"
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := peers.TestLog(t)
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	for _, c := range []struct{ addr, token, want string }{
		{"0.0.0.0:6061", token, "only a loopback address"},
		{"10.1.2.3:6061", token, "only a loopback address"},
		{addr, "", "need the metrics scrape token"},
	} {
		if err := servePprof(ctx, log, c.addr, c.token); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("-pprof %s with token %q: %v, want an error saying %q", c.addr, c.token, err, c.want)
		}
	}
	if err := servePprof(ctx, log, addr, token); err != nil {
		t.Fatal(err)
	}
	get := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/debug/pprof/cmdline", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(""); code != http.StatusUnauthorized {
		t.Errorf("no token (a loopback caller): %d, want 401", code)
	}
	if code := get("wrong-token-0123456789"); code != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d, want 401", code)
	}
	if code := get(token); code != http.StatusOK {
		t.Errorf("the scrape token: %d, want 200", code)
	}
}
