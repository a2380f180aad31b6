package record

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestExportRange joins the segments of 15..27 s into one MP4: it starts
// at the keyframe of 15 s (its creation_time says so), runs across the
// segment boundaries to the fragment that ends at 28 s, and ffmpeg
// decodes every frame. A bad range is refused with why.
func TestExportRange(t *testing.T) {
	r, start := recordWithClips(t, t.TempDir())
	mux := http.NewServeMux()
	for p, h := range r.Routes() {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	at := func(s float64) string {
		return start.Add(time.Duration(s * float64(time.Second))).Format(time.RFC3339Nano)
	}

	res, body := get("/api/recordings/cam/export?from=" + at(15.5) + "&to=" + at(27.2))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("export: %d %s", res.StatusCode, body)
	}
	out := filepath.Join(t.TempDir(), "export.mp4")
	if err := os.WriteFile(out, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if d, first := probe(t, out); first != 0 || d < 12.9 || d > 13.1 {
		t.Errorf("export plays %.2fs from %.2fs, want 13 s (the keyframe at 15 s to the fragment ending at 28 s)", d, first)
	}
	if got, want := creationTime(t, out), start.Add(15*time.Second).Format("2006-01-02T15:04:05.000000Z"); got != want {
		t.Errorf("export creation_time %q, want %q", got, want)
	}
	decodeAll(t, out)

	for _, tc := range []struct {
		query string
		code  int
	}{
		{"from=" + at(10), 400},
		{"from=" + at(20) + "&to=" + at(10), 400},
		{"from=" + at(0) + "&to=" + at(7*3600), 400},
		{"from=" + at(100) + "&to=" + at(200), 404},
	} {
		if res, body := get("/api/recordings/cam/export?" + tc.query); res.StatusCode != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.query, res.StatusCode, body, tc.code)
		}
	}
}
