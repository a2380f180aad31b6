package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A user may hold Limits.SSEPerUser event streams; one more is refused
// 429 saying why, while another user still connects. Before the fix one
// session could open streams without end.
func TestEventStreamsPerUser(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Limits.SSEPerUser = 2 })
	chief := e.login("chief")
	e.stream(chief)
	e.stream(chief)
	resp, body := e.do("GET", "/api/events", chief, nil)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "chief has 2 open (limits.sse_per_user)") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third stream: %d %s", resp.StatusCode, body)
	}
	e.stream(e.login("root"))
}

// A body over Limits.BodyBytes is refused 413 naming the limit (before the
// fix: 400 "http: request body too large", not saying which limit).
func TestBodyLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Limits.BodyBytes = 2048 })
	root := e.login("root")
	big := map[string]string{"name": "x", "role": "operator", "password": strings.Repeat("p", 4096)}
	resp, body := e.do("POST", "/api/users", root, big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than 2048 bytes (limits.body_bytes)") {
		t.Fatalf("big body: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("POST", "/api/login", "", map[string]string{"user": "root", "password": strings.Repeat("p", 4096)})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("big login: %d %s", resp.StatusCode, body)
	}
}

// /metrics: the scrape token or an admin session; a commander, a wrong
// token, a session's token of a non-admin and nobody are refused.
func TestMetricsGuard(t *testing.T) {
	e := newEnv(t)
	const token = "scrape-token-0123456789"
	h := e.api.Metrics(token, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("metric 1\n")) }))
	for _, c := range []struct {
		name, auth string
		want       int
	}{
		{"nobody", "", 401},
		{"wrong token", "Bearer wrong-token-0123456789", 401},
		{"commander", "Bearer " + e.login("chief"), 403},
		{"scrape token", "Bearer " + token, 200},
		{"scrape token, lower-case scheme", "bearer " + token, 200},
		{"admin", "Bearer " + e.login("root"), 200},
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = "127.0.0.1:9" // loopback is nobody special
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.want)
		}
	}
}
