// Package web is the command-center console: one page and its plain ES
// modules and CSS, embedded in the gateway binary so it works offline, with
// no CDN, no external font and no build step. It talks only to the JSON API
// (/api/, gateway/api/API.md) and to WHEP (/whep/) on the same origin.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// CSP allows only the console's own origin: scripts, styles, fetch, SSE and
// images from self; video from the blob: and mediastream: URLs a WebRTC
// track plays from. No inline script or style, no frames, no plug-ins.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' blob: data:; media-src 'self' blob: mediastream:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// contentTypes names the type of every extension the console ships; an
// asset with another extension is a packaging mistake the tests catch.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// asset is one embedded file ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the console: index.html at / and the files under /assets/.
// Every answer carries the CSP; assets are revalidated by ETag (the names
// are not hashed, so the browser asks each time and gets a 304).
func Handler() http.Handler {
	assets, err := load(static)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time; the tests load it too
	}
	return &handler{assets: assets}
}

// load reads every embedded file under static/ into memory with its type and ETag.
func load(fsys fs.FS) (map[string]asset, error) {
	out := map[string]asset{}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("web: %s: no content type for %q", p, path.Ext(p))
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = asset{body: b, contentType: ct,
			etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	return out, err
}

type handler struct{ assets map[string]asset }

// ServeHTTP answers GET and HEAD for / and /assets/<file>.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", CSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a, ok := h.lookup(r.URL.Path)
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("ETag", a.etag)
	hdr.Set("Cache-Control", "no-cache") // revalidate: a new binary ships new assets under the same names
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", fmt.Sprint(len(a.body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(a.body)
}

// lookup maps a request path to an asset: / is the page, /assets/x is static/x.
func (h *handler) lookup(p string) (asset, bool) {
	if p == "/" || p == "/index.html" {
		a, ok := h.assets["index.html"]
		return a, ok
	}
	name, ok := strings.CutPrefix(p, "/assets/")
	if !ok || name == "index.html" {
		return asset{}, false
	}
	a, ok := h.assets[name]
	return a, ok
}

// etagMatches reports whether an If-None-Match list names etag (or is *).
func etagMatches(list, etag string) bool {
	for _, m := range strings.Split(list, ",") {
		m = strings.TrimPrefix(strings.TrimSpace(m), "W/")
		if m == etag || m == "*" {
			return true
		}
	}
	return false
}
