package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

// served lists every request path the handler answers: / and each asset.
func served(t *testing.T) map[string]asset {
	t.Helper()
	assets, err := load(static)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]asset{"/": assets["index.html"]}
	for name, a := range assets {
		if name != "index.html" {
			out["/assets/"+name] = a
		}
	}
	return out
}

func do(h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Every embedded file is served with its content type, the CSP, an ETag
// that a revalidation answers with 304, and its exact bytes.
func TestHandlerServesEveryAsset(t *testing.T) {
	h := Handler()
	want := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", "": "text/html; charset=utf-8"}
	files := served(t)
	if len(files) < 10 {
		t.Fatalf("only %d files embedded", len(files))
	}
	for p, a := range files {
		rec := do(h, http.MethodGet, p, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", p, rec.Code)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != want[path.Ext(p)] {
			t.Errorf("GET %s: Content-Type %q, want %q", p, ct, want[path.Ext(p)])
		}
		if csp := rec.Header().Get("Content-Security-Policy"); csp != CSP {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", p)
		}
		if rec.Body.String() != string(a.body) {
			t.Errorf("GET %s: body differs from the embedded file", p)
		}
		etag := rec.Header().Get("ETag")
		if etag == "" || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: ETag %q, Cache-Control %q", p, etag, rec.Header().Get("Cache-Control"))
		}
		if again := do(h, http.MethodGet, p, map[string]string{"If-None-Match": etag}); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("GET %s with its ETag: %d and %d bytes, want 304 and none", p, again.Code, again.Body.Len())
		}
	}
}

// Paths that are not the console, and methods other than GET and HEAD, are refused.
func TestHandlerRefuses(t *testing.T) {
	h := Handler()
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/nope", 404},
		{http.MethodGet, "/assets/", 404},
		{http.MethodGet, "/assets/index.html", 404},
		{http.MethodGet, "/assets/js/missing.js", 404},
		{http.MethodGet, "/assets/../web.go", 404},
		{http.MethodPost, "/", 405},
		{http.MethodHead, "/", 200},
	} {
		rec := do(h, c.method, c.path, nil)
		if rec.Code != c.code {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.code)
		}
		if rec.Header().Get("Content-Security-Policy") != CSP {
			t.Errorf("%s %s: no CSP", c.method, c.path)
		}
	}
}

// The policy allows the console's own origin only, plus the blob: and
// mediastream: sources a WebRTC <video> plays from; nothing inline.
func TestCSPIsStrict(t *testing.T) {
	dirs := map[string]string{}
	for _, d := range strings.Split(CSP, ";") {
		f := strings.Fields(d)
		dirs[f[0]] = strings.Join(f[1:], " ")
	}
	want := map[string]string{
		"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "connect-src": "'self'",
		"media-src": "'self' blob: mediastream:", "object-src": "'none'", "frame-ancestors": "'none'", "base-uri": "'none'",
	}
	for k, v := range want {
		if dirs[k] != v {
			t.Errorf("%s %q, want %q", k, dirs[k], v)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "http:", "https:", "*"} {
		if strings.Contains(CSP, bad) {
			t.Errorf("CSP allows %s", bad)
		}
	}
}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/|<!--.*?-->`)
	lineComment  = regexp.MustCompile(`(?m)(^|[^:])//.*$`) // not the // of a scheme
	external     = regexp.MustCompile(`(?i)https?://|["'(=]\s*//[a-z0-9]|@import`)
)

// No asset fetches anything from elsewhere: outside comments there is no
// http:// or https:// URL, no protocol-relative //host and no CSS @import.
func TestNoExternalURL(t *testing.T) {
	for p, a := range served(t) {
		code := lineComment.ReplaceAllString(blockComment.ReplaceAllString(string(a.body), ""), "$1")
		if m := external.FindString(code); m != "" {
			t.Errorf("%s references %q outside comments", p, m)
		}
	}
	// The scanner finds one when there is one.
	if !external.MatchString(`fetch("https://cdn.example/x.js")`) || !external.MatchString(`<img src="//cdn.example/a.png">`) {
		t.Fatal("scanner misses an external URL")
	}
}

var (
	importRe = regexp.MustCompile(`(?m)^import\s[^'"]*['"]([^'"]+)['"]`)
	refRe    = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)
)

// Every module import and every asset index.html names is embedded: a
// typo would otherwise only show as a blank page.
func TestReferencesResolve(t *testing.T) {
	files := served(t)
	for _, m := range refRe.FindAllStringSubmatch(string(files["/"].body), -1) {
		if _, ok := files[m[1]]; !ok {
			t.Errorf("index.html references %s, which is not embedded", m[1])
		}
	}
	n := 0
	fs.WalkDir(static, "static/js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(static, p)
		for _, m := range importRe.FindAllStringSubmatch(string(b), -1) {
			n++
			target := "/assets/" + strings.TrimPrefix(path.Join(path.Dir(p), m[1]), "static/")
			if !strings.HasPrefix(m[1], ".") {
				t.Errorf("%s imports %q: only relative imports of embedded modules", p, m[1])
			} else if _, ok := files[target]; !ok {
				t.Errorf("%s imports %s, which is not embedded", p, target)
			}
		}
		return nil
	})
	if n < 10 {
		t.Errorf("found only %d imports: the scanner is broken", n)
	}
}
