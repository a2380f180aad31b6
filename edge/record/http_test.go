package record

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestHTTPServesRecordings lists a camera's segments by time, serves one
// and a clip whole and by range, and says why it refuses.
func TestHTTPServesRecordings(t *testing.T) {
	r, start := recordWithClips(t, t.TempDir())
	mux := http.NewServeMux()
	for p, h := range r.Routes() {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path, rng string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}

	res, body := get("/api/recordings?camera=cam&from="+start.Add(15*time.Second).Format(time.RFC3339)+
		"&to="+start.Add(21*time.Second).Format(time.RFC3339), "")
	var list struct{ Segments []Segment }
	if err := json.Unmarshal(body, &list); err != nil || res.StatusCode != 200 || len(list.Segments) != 2 {
		t.Fatalf("list 15..21 s: %d %s (%v), want the 2 segments", res.StatusCode, body, err)
	}
	seg := list.Segments[0]
	res, body = get(seg.URL, "")
	if res.StatusCode != 200 || int64(len(body)) != seg.Bytes || res.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("segment %s: %d, %d bytes %s, want %d", seg.URL, res.StatusCode, len(body), res.Header.Get("Content-Type"), seg.Bytes)
	}

	c, _ := r.ix.clip("a2")
	want, err := os.ReadFile(c.Path)
	if err != nil {
		t.Fatal(err)
	}
	res, body = get("/api/clips/a2", "bytes=100-199")
	if res.StatusCode != http.StatusPartialContent || string(body) != string(want[100:200]) {
		t.Fatalf("clip range: %d, %d bytes, want 206 with bytes 100-199", res.StatusCode, len(body))
	}
	// the clip served whole plays
	res, body = get("/api/clips/a2", "")
	out := filepath.Join(t.TempDir(), "a2.mp4")
	if res.StatusCode != 200 || os.WriteFile(out, body, 0o600) != nil {
		t.Fatalf("clip: %d", res.StatusCode)
	}
	probe(t, out)

	for _, tc := range []struct {
		path string
		code int
	}{
		{"/api/recordings", 400},
		{"/api/recordings?camera=cam&from=yesterday", 400},
		{"/api/clips/nope", 404},
		{"/api/clips/..%2F..%2Fetc", 404},
		{"/api/recordings/cam/..%2Fclips", 404},
	} {
		if res, body := get(tc.path, ""); res.StatusCode != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.path, res.StatusCode, body, tc.code)
		}
	}
}
