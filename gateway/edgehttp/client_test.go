package edgehttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// An edge's announced URL is used only as http(s)://host[:port]; anything
// else is a 502 naming the edge, before any request (so the token goes
// nowhere else); the edge gets the token and the range, never the
// caller's cookie. Real: HTTP over loopback to an httptest edge.
func TestClientChecksTheEdgeURL(t *testing.T) {
	edge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer edge-token-0123456789" || r.Header.Get("Range") != "bytes=0-1" || r.URL.Path != "/api/clips/a1" || r.Header.Get("Cookie") != "" {
			http.Error(w, "bad request to the edge", http.StatusBadRequest)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer edge.Close()
	for raw, want := range map[string]string{
		edge.URL:                                 "",
		edge.URL + "/":                           "",
		"ftp://" + edge.Listener.Addr().String(): "not http(s)://host:port",
		"http://user:pw@example.net:9100":        "not http(s)://host:port",
		edge.URL + "/other":                      "not http(s)://host:port",
		edge.URL + "?x=1":                        "not http(s)://host:port",
	} {
		c := New(Options{Token: "edge-token-0123456789", Log: zerolog.Nop(), Locate: func(string) (string, bool) { return raw, true }})
		resp, err := c.Get(context.Background(), "edge-1", "/api/clips/a1", http.Header{"Range": {"bytes=0-1"}, "Cookie": {"argus_session=secret"}})
		var ee *Error
		switch {
		case want == "" && (err != nil || resp.StatusCode != 200):
			t.Errorf("%s: %v %v", raw, resp, err)
		case want != "" && (!errors.As(err, &ee) || ee.Status != http.StatusBadGateway || !strings.Contains(ee.Error(), want) || !strings.HasPrefix(ee.Error(), "edge edge-1: ")):
			t.Errorf("%s: error %v, want a 502 saying %q", raw, err, want)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
}
