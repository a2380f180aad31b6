package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bearer"
	"github.com/argus-edge/argus/gateway/edgehttp"
)

// edgeToken is the simulated edges' :9100 token.
const edgeToken = "edge-http-token-0123456789"

// fakeEdgeHTTP is a SIMULATED edge's :9100 (the real one is edge/record's
// handlers, which the gateway must not import; TestRecordingsThroughTheGateway
// in package main runs the real edge): the token checked like the edge's,
// a clip and a segment served with http.ServeContent (ranges), a list and
// an export. Real: the gateway's API, edgehttp.Client and HTTP over loopback.
func fakeEdgeHTTP(t *testing.T, clip []byte, release <-chan struct{}) *httptest.Server {
	mux := http.NewServeMux()
	start := time.Date(2026, 12, 1, 7, 59, 0, 0, time.UTC)
	serve := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "video/mp4")
			w.Header().Set("X-Argus-Start", start.Format(time.RFC3339Nano))
			http.ServeContent(w, r, name, start, bytes.NewReader(clip))
		}
	}
	mux.HandleFunc("GET /api/clips/a-river", serve("clip.mp4"))
	mux.HandleFunc("GET /api/clips/a-ended-no", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no clip of anomaly a-ended-no (not recorded, not ended yet, or deleted)", http.StatusNotFound)
	})
	mux.HandleFunc("GET /api/recordings/river-gate/20261201T075900.000Z-20261201T075910.000Z.mp4", serve("seg.mp4"))
	mux.HandleFunc("GET /api/recordings", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"camera": r.URL.Query().Get("camera"), "segments": []map[string]any{
			{"start": start, "end": start.Add(10 * time.Second), "bytes": len(clip), "url": "/api/recordings/river-gate/20261201T075900.000Z-20261201T075910.000Z.mp4"}}})
	})
	mux.HandleFunc("GET /api/recordings/river-gate/export", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Disposition", `attachment; filename="river-gate-x.mp4"`)
		w.Write(clip[:1<<16]) // the first part, then the rest only once the test has read it through the gateway
		w.(http.Flusher).Flush()
		if release != nil {
			<-release
		}
		w.Write(clip[1<<16:])
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := bearer.Token(r); !ok || tok != edgeToken {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// recordingsEnv is the API with edge-a at edgeURL, edge-b at edgeB, and
// the client's token.
func recordingsEnv(t *testing.T, edgeURL, edgeB, token string, answer time.Duration) *env {
	urls := map[string]string{"edge-a": edgeURL, "edge-b": edgeB}
	return newEnv(t, func(o *Options) {
		o.EdgeFiles = edgehttp.New(edgehttp.Options{Token: token, AnswerTimeout: answer, ConnectTimeout: time.Second, Log: zerolog.New(io.Discard),
			Locate: func(edge string) (string, bool) { u, ok := urls[edge]; return u, ok }})
	})
}

func TestClipThroughTheGatewayWithRanges(t *testing.T) {
	clip := bytes.Repeat([]byte("0123456789abcdef"), 1<<13) // 128 KiB
	release := make(chan struct{})
	edge := fakeEdgeHTTP(t, clip, release)
	e := recordingsEnv(t, edge.URL, "", edgeToken, 5*time.Second)
	op := e.login("river-op")

	req := e.request("GET", "/api/anomalies/a-river/clip", nil)
	req.Header.Set("Authorization", "Bearer "+op)
	req.Header.Set("Range", "bytes=100-199")
	resp, body := e.send(req)
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, clip[100:200]) {
		t.Fatalf("clip range: %d, %d bytes", resp.StatusCode, len(body))
	}
	for h, want := range map[string]string{"Content-Range": fmt.Sprintf("bytes 100-199/%d", len(clip)), "Accept-Ranges": "bytes",
		"Content-Type": "video/mp4", "X-Argus-Start": "2026-12-01T07:59:00Z", "Content-Length": "100"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if a := e.lastAudit(); a.Action != "anomaly.clip" || a.Object != "a-river" || a.Site != "riverside" || a.Status != 206 ||
		!strings.Contains(a.Detail, "camera river-gate, edge edge-a, bytes=100-199") {
		t.Errorf("audit %+v", a)
	}

	// Another site's anomaly is 404, as its record is; audited with why.
	if resp, _ := e.do("GET", "/api/anomalies/a-hill/clip", op, nil); resp.StatusCode != 404 {
		t.Errorf("another site's clip: %d, want 404", resp.StatusCode)
	}
	if a := e.lastAudit(); a.Action != "anomaly.clip" || a.Status != 404 || a.Site != "hillside" || !strings.Contains(a.Detail, "outside") {
		t.Errorf("audit %+v", a)
	}
	// Another site's camera is 403, as its stream view is.
	for _, p := range []string{"/api/cameras/hill-top/recordings", "/api/cameras/hill-top/recordings/x.mp4",
		"/api/cameras/hill-top/recordings/export?from=2026-12-01T07:59:00Z&to=2026-12-01T08:00:00Z"} {
		if resp, _ := e.do("GET", p, op, nil); resp.StatusCode != 403 {
			t.Errorf("%s: %d, want 403", p, resp.StatusCode)
		}
		if a := e.lastAudit(); a.Status != 403 || a.Object != "hill-top" || a.Site != "hillside" || a.Who != "river-op" {
			t.Errorf("%s: audit %+v", p, a)
		}
	}

	// The list names the gateway's URLs; a segment follows one.
	resp, body = e.do("GET", "/api/cameras/river-gate/recordings?from=2026-12-01T07:00:00Z", op, nil)
	var list struct {
		Edge     string
		Segments []struct{ URL string }
	}
	json.Unmarshal(body, &list)
	want := "/api/cameras/river-gate/recordings/20261201T075900.000Z-20261201T075910.000Z.mp4?edge=edge-a"
	if resp.StatusCode != 200 || list.Edge != "edge-a" || len(list.Segments) != 1 || list.Segments[0].URL != want {
		t.Fatalf("list %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("GET", want, op, nil); resp.StatusCode != 200 || !bytes.Equal(body, clip) {
		t.Errorf("segment: %d, %d bytes", resp.StatusCode, len(body))
	}

	// The export streams: its first part arrives while the edge holds the rest.
	req = e.request("GET", "/api/cameras/river-gate/recordings/export?from=2026-12-01T07:59:00Z&to=2026-12-01T08:00:00Z", nil)
	req.Header.Set("Authorization", "Bearer "+op)
	r, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	first := make([]byte, 1<<16)
	got := make(chan error, 1)
	go func() { _, err := io.ReadFull(r.Body, first); got <- err }()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the export's first 64 KiB did not come through while the edge held the rest: the gateway buffers")
	}
	close(release)
	rest, _ := io.ReadAll(r.Body)
	if !bytes.Equal(append(first, rest...), clip) || r.Header.Get("Content-Disposition") != `attachment; filename="river-gate-x.mp4"` {
		t.Errorf("export: %d bytes, disposition %q", len(first)+len(rest), r.Header.Get("Content-Disposition"))
	}
	if strings.Contains(e.log.String(), edgeToken) {
		t.Error("the log shows the edges' token")
	}
}

// An edge that cannot answer: each failure is a JSON error naming the
// edge, 502 or 504, never the token.
func TestRecordingsEdgeFailures(t *testing.T) {
	clip := bytes.Repeat([]byte("x"), 4096)
	edge := fakeEdgeHTTP(t, clip, nil)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there now
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() { // accepts, never answers
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	for _, c := range []struct {
		name, edgeA, edgeB, token, path string
		status                          int
		says                            string
	}{
		{"down", closed.URL, "", edgeToken, "/api/anomalies/a-river/clip", 502, "edge edge-a: unreachable: connect: connection refused"},
		{"silent", "http://" + silent.Addr().String(), "", edgeToken, "/api/anomalies/a-river/clip", 504, "edge edge-a: no answer within 300ms (edge_http.answer_timeout)"},
		{"wrong token", edge.URL, "", "not-the-edge-token-0123", "/api/anomalies/a-river/clip", 502, "edge edge-a: refused the gateway's token (401)"},
		{"no token", edge.URL, "", "", "/api/anomalies/a-river/clip", 502, "edge_http.token_env"},
		{"no URL", "", "", edgeToken, "/api/anomalies/a-river/clip", 502, "edge edge-a: announces no HTTP URL"},
		{"unknown edge", edge.URL, "", edgeToken, "/api/cameras/river-gate/recordings/x.mp4?edge=edge-z", 502, "edge edge-z: unknown to the gateway"},
		{"bad edge", edge.URL, "", edgeToken, "/api/cameras/river-gate/recordings/x.mp4?edge=../x", 400, "edge:"},
		{"no export range", edge.URL, "", edgeToken, "/api/cameras/river-gate/recordings/export", 400, "from and to are required"},
		{"no segment", edge.URL, "", edgeToken, "/api/cameras/river-gate/recordings/nope.mp4?edge=edge-a", 404, "edge edge-a: 404 page not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := recordingsEnv(t, c.edgeA, c.edgeB, c.token, 300*time.Millisecond)
			resp, body := e.do("GET", c.path, e.login("river-op"), nil)
			var out struct{ Error string }
			json.Unmarshal(body, &out)
			if resp.StatusCode != c.status || !strings.Contains(out.Error, c.says) || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%d %s, want %d saying %q", resp.StatusCode, body, c.status, c.says)
			}
			if strings.Contains(string(body), edgeToken) || strings.Contains(e.log.String(), edgeToken) {
				t.Error("the answer or the log shows the edges' token")
			}
		})
	}
}
