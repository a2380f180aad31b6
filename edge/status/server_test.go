package status

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/edge/ingest"
)

type fakeSource []ingest.Status

func (f fakeSource) Status() []ingest.Status { return f }

// TestWhoIsAsking: loopback callers and token holders are answered; others
// get 401 with the reason; /healthz is open and says nothing else.
func TestWhoIsAsking(t *testing.T) {
	src := fakeSource{{ID: "cam-1", Site: "s1", State: ingest.StateOnline, Main: ingest.FeedStatus{URL: "rtsp://h/x", State: ingest.StateOnline}}}
	cases := []struct {
		name, remote, path, auth, token string
		code                            int
		body                            string
	}{
		{"loopback page", "127.0.0.1:5000", "/", "", "", 200, "Argus edge"},
		{"loopback v6 json", "[::1]:5000", "/api/cameras", "", "", 200, `"id": "cam-1"`},
		{"one camera", "127.0.0.1:5000", "/api/cameras/cam-1", "", "", 200, `"state": "online"`},
		{"unknown camera", "127.0.0.1:5000", "/api/cameras/nope", "", "", 404, "unknown camera nope"},
		{"remote without token configured", "10.0.0.9:5000", "/api/cameras", "", "", 401, "loopback callers only"},
		{"remote without token", "10.0.0.9:5000", "/metrics", "", "tok", 401, "Bearer"},
		{"remote wrong token", "10.0.0.9:5000", "/api/cameras", "Bearer nope", "tok", 401, "unauthorized"},
		{"remote with token", "10.0.0.9:5000", "/api/cameras", "Bearer tok", "tok", 200, "cam-1"},
		{"remote metrics with token", "10.0.0.9:5000", "/metrics", "Bearer tok", "tok", 200, ""},
		{"health is open", "10.0.0.9:5000", "/healthz", "", "tok", 200, "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := Handler(src, Options{Edge: "e1", Token: c.token, Registry: prometheus.NewRegistry(), Log: zerolog.Nop()})
			req := httptest.NewRequest("GET", c.path, nil)
			req.RemoteAddr = c.remote
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.body) {
				t.Fatalf("%s %s from %s: %d %q, want %d containing %q", "GET", c.path, c.remote, rec.Code, rec.Body.String(), c.code, c.body)
			}
		})
	}
}

func TestCamerasJSONShape(t *testing.T) {
	h := Handler(fakeSource{{ID: "c", Site: "s", State: "offline", Main: ingest.FeedStatus{State: "offline", Reason: "describe: EOF"}}},
		Options{Edge: "e1", Registry: prometheus.NewRegistry(), Log: zerolog.Nop()})
	req := httptest.NewRequest("GET", "/api/cameras", nil)
	req.RemoteAddr = "127.0.0.1:1"
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
	h := Handler(fakeSource{}, Options{Edge: "e1", Registry: prometheus.NewRegistry(), Log: zerolog.Nop(),
		Ready: func() error { return why }, Fleet: func() any { return map[string]any{"epoch": 42, "state": "fenced"} }})
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "10.0.0.9:5000" // the kubelet is not on loopback: health stays open
		if path != "/healthz" {
			req.RemoteAddr = "127.0.0.1:1"
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
