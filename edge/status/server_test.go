package status

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/edge/ingest"
)

type fakeSource []ingest.Status

func (f fakeSource) Status() []ingest.Status { return f }

// TestWhoIsAsking: token holders are answered, by bearer header in any
// case of the scheme or by the page's cookie; everybody else, loopback
// callers too, gets 401 with the reason; /healthz is open and says nothing
// else. Before the fix loopback callers were answered without a token
// ("loopback ... without token" cases) and "bearer tok" was refused.
func TestWhoIsAsking(t *testing.T) {
	src := fakeSource{{ID: "cam-1", Site: "s1", State: ingest.StateOnline, Main: ingest.FeedStatus{URL: "rtsp://h/x", State: ingest.StateOnline}}}
	cases := []struct {
		name, remote, path, auth, cookie, token string
		code                                    int
		body                                    string
	}{
		{"loopback page without token", "127.0.0.1:5000", "/", "", "", "tok", 401, "Bearer <token>"},
		{"loopback v6 json without token", "[::1]:5000", "/api/cameras", "", "", "tok", 401, "unauthorized"},
		{"loopback metrics without token", "127.0.0.1:5000", "/metrics", "", "", "tok", 401, "unauthorized"},
		{"loopback extra view without token", "127.0.0.1:5000", "/api/drones", "", "", "tok", 401, "unauthorized"},
		{"loopback, no token configured", "127.0.0.1:5000", "/api/cameras", "", "", "", 401, "only /healthz answers"},
		{"loopback page with token", "127.0.0.1:5000", "/", "Bearer tok", "", "tok", 200, "Argus edge"},
		{"lower-case scheme", "[::1]:5000", "/api/cameras", "bearer tok", "", "tok", 200, `"id": "cam-1"`},
		{"one camera", "127.0.0.1:5000", "/api/cameras/cam-1", "Bearer tok", "", "tok", 200, `"state": "online"`},
		{"unknown camera", "127.0.0.1:5000", "/api/cameras/nope", "Bearer tok", "", "tok", 404, "unknown camera nope"},
		{"remote without token configured", "10.0.0.9:5000", "/api/cameras", "Bearer tok", "", "", 401, "only /healthz answers"},
		{"remote without token", "10.0.0.9:5000", "/metrics", "", "", "tok", 401, "Bearer"},
		{"remote wrong token", "10.0.0.9:5000", "/api/cameras", "Bearer nope", "", "tok", 401, "unauthorized"},
		{"two spaces", "10.0.0.9:5000", "/api/cameras", "Bearer  tok", "", "tok", 401, "unauthorized"},
		{"basic scheme", "10.0.0.9:5000", "/api/cameras", "Basic dG9rOnRvaw==", "", "tok", 401, "unauthorized"},
		{"remote with token", "10.0.0.9:5000", "/api/cameras", "Bearer tok", "", "tok", 200, "cam-1"},
		{"remote metrics with token", "10.0.0.9:5000", "/metrics", "Bearer tok", "", "tok", 200, ""},
		{"page cookie", "10.0.0.9:5000", "/api/drones", "", "tok", "tok", 200, "drone-1"},
		{"wrong cookie", "10.0.0.9:5000", "/api/cameras", "", "nope", "tok", 401, "unauthorized"},
		{"wrong page token", "10.0.0.9:5000", "/?token=nope", "", "", "tok", 401, "unauthorized"},
		{"health is open", "10.0.0.9:5000", "/healthz", "", "", "tok", 200, "ok"},
		{"route without token", "127.0.0.1:5000", "/api/clips/a1", "", "", "tok", 401, "unauthorized"},
		{"route with token", "10.0.0.9:5000", "/api/clips/a1", "Bearer tok", "", "tok", 200, "clip a1"},
		{"health without token configured", "127.0.0.1:5000", "/healthz", "", "", "", 200, "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := Handler(src, Options{Edge: "e1", Token: c.token, Registry: prometheus.NewRegistry(), Log: zerolog.Nop(),
				Extra: map[string]func() any{"drones": func() any { return []string{"drone-1"} }},
				Routes: map[string]http.Handler{"GET /api/clips/{id}": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Write([]byte("clip " + r.PathValue("id")))
				})}})
			req := httptest.NewRequest("GET", c.path, nil)
			req.RemoteAddr = c.remote
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			if c.cookie != "" {
				req.AddCookie(&http.Cookie{Name: CookieName, Value: c.cookie})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.body) {
				t.Fatalf("%s %s from %s: %d %q, want %d containing %q", "GET", c.path, c.remote, rec.Code, rec.Body.String(), c.code, c.body)
			}
		})
	}
}

// TestPageTokenBecomesCookie: a browser opens /?token=…; the edge answers
// with an HttpOnly, SameSite=Strict cookie and a redirect to / (the token
// leaves the address bar), and the page and its fetches then answer.
func TestPageTokenBecomesCookie(t *testing.T) {
	h := Handler(fakeSource{{ID: "cam-1"}}, Options{Edge: "e1", Token: "page-token-0123456789", Registry: prometheus.NewRegistry(), Log: zerolog.Nop()})
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	resp, err := c.Get(srv.URL + "/?token=page-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Argus edge") || resp.Request.URL.RawQuery != "" {
		t.Fatalf("page: %d at %s, want 200 at / without the token", resp.StatusCode, resp.Request.URL)
	}
	cookies := jar.Cookies(resp.Request.URL)
	if len(cookies) != 1 || cookies[0].Name != CookieName {
		t.Fatalf("cookies %v", cookies)
	}
	resp, err = c.Get(srv.URL + "/api/cameras")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the page's fetch with the cookie: %d", resp.StatusCode)
	}
	raw := httptest.NewRecorder()
	h.ServeHTTP(raw, httptest.NewRequest("GET", "/?token=page-token-0123456789", nil))
	if sc := raw.Header().Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Strict") {
		t.Fatalf("Set-Cookie %q, want HttpOnly and SameSite=Strict", sc)
	}
}

func TestCamerasJSONShape(t *testing.T) {
	h := Handler(fakeSource{{ID: "c", Site: "s", State: "offline", Main: ingest.FeedStatus{State: "offline", Reason: "describe: EOF"}}},
		Options{Edge: "e1", Token: "tok", Registry: prometheus.NewRegistry(), Log: zerolog.Nop()})
	req := httptest.NewRequest("GET", "/api/cameras", nil)
	req.Header.Set("Authorization", "Bearer tok")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var got struct {
		Edge    string
		Cameras []ingest.Status
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Edge != "e1" || len(got.Cameras) != 1 || got.Cameras[0].Main.Reason != "describe: EOF" {
		t.Fatalf("got %+v", got)
	}
}

// A fleet edge's /healthz answers 503 with the reason while it cannot
// serve, and ok again once it can; /api/cameras carries its fleet state.
func TestHealthzNotReadyAndFleetState(t *testing.T) {
	var why error = errors.New("fleet: fenced since 12:00:00: no heartbeat acknowledged within 2s")
	h := Handler(fakeSource{}, Options{Edge: "e1", Token: "tok", Registry: prometheus.NewRegistry(), Log: zerolog.Nop(),
		Ready: func() error { return why }, Fleet: func() any { return map[string]any{"epoch": 42, "state": "fenced"} }})
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "10.0.0.9:5000" // the kubelet is not on loopback: health stays open
		if path != "/healthz" {
			req.Header.Set("Authorization", "Bearer tok")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := get("/healthz"); rec.Code != 503 || !strings.Contains(rec.Body.String(), "not ready: fleet: fenced since") {
		t.Fatalf("fenced: %d %q, want 503 with the reason", rec.Code, rec.Body.String())
	}
	var got struct {
		Fleet struct {
			Epoch int
			State string
		}
	}
	if err := json.Unmarshal(get("/api/cameras").Body.Bytes(), &got); err != nil || got.Fleet.Epoch != 42 || got.Fleet.State != "fenced" {
		t.Fatalf("fleet state %+v, %v", got.Fleet, err)
	}
	why = nil
	if rec := get("/healthz"); rec.Code != 200 || rec.Body.String() != "ok\n" {
		t.Fatalf("serving: %d %q, want 200 ok", rec.Code, rec.Body.String())
	}
}
