package profiling

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
)

// The profiles answer holders of the token only, on a
// loopback address only; without a token they are not served at all.
func TestServeNeedsTheToken(t *testing.T) {
	const token = "pprof-test-token-0123456789"
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := peers.TestLog(t)
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	for _, c := range []struct{ addr, token, want string }{
		{"0.0.0.0:6060", token, "only a loopback address"},
		{"10.1.2.3:6060", token, "only a loopback address"},
		{addr, "", "need the edge's token"},
	} {
		if err := Serve(ctx, log, c.addr, c.token, "the edge's token"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("-pprof %s with token %q: %v, want an error saying %q", c.addr, c.token, err, c.want)
		}
	}
	if err := Serve(ctx, log, addr, token, "the edge's token"); err != nil {
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
		t.Errorf("the token: %d, want 200", code)
	}
}
