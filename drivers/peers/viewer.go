package peers

import (
	_ "embed"
	"net/http"
	"net/http/httptest"
	"testing"
)

// viewerPage is the browser tests' WHEP viewer, built on the console's
// player module: watch(key, camera, token), stats(key), times(key) and
// offered(key).
//
//go:embed viewer.html
var viewerPage []byte

// ViewerServer serves the WHEP viewer page at /, assets at /assets/ (the
// console's embedded assets, gateway/web.Handler(), whose js/player.js the
// page imports) and everything else, /whep/ included, from rest, all on one
// origin; it closes when the test ends. peers takes the assets as a handler
// because drivers do not import gateway.
func ViewerServer(t testing.TB, assets, rest http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(viewerPage)
	})
	mux.Handle("/assets/", assets)
	mux.Handle("/", rest)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return hs
}
