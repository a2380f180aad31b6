package status

import (
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/edge/ingest"
)

//go:embed page.html
var page []byte

// Source is what the page shows: the edge's cameras.
type Source interface {
	// Status returns every camera's status.
	Status() []ingest.Status
}

// Options configure the handler.
type Options struct {
	// Edge is the edge id shown on the page.
	Edge string
	// Token, when set, lets remote callers in with "Authorization: Bearer
	// <token>". Without it only loopback callers are answered.
	Token string
	// Registry holds the metrics to expose.
	Registry *prometheus.Registry
	// Log records refused requests.
	Log zerolog.Logger
	// Extra are more JSON views, served at /api/<name>.
	Extra map[string]func() any
	// Ready, when set, tells why the edge cannot serve (a fleet edge that
	// is fenced or never reached its backbone): /healthz then answers 503
	// with the reason, so that Kubernetes' readiness sees it.
	Ready func() error
	// Fleet, when set, is the edge's fleet state (its epoch, whether it
	// is fenced), shown beside the cameras in /api/cameras.
	Fleet func() any
}

// Handler returns the edge's HTTP handler.
func Handler(src Source, o Options) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if o.Ready != nil {
			if err := o.Ready(); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", o.guard(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{})))
	mux.Handle("GET /api/cameras", o.guard(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		v := map[string]any{"edge": o.Edge, "cameras": src.Status()}
		if o.Fleet != nil {
			v["fleet"] = o.Fleet()
		}
		writeJSON(w, v)
	})))
	mux.Handle("GET /api/cameras/{id}", o.guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, st := range src.Status() {
			if st.ID == r.PathValue("id") {
				writeJSON(w, st)
				return
			}
		}
		http.Error(w, "unknown camera "+r.PathValue("id"), http.StatusNotFound)
	})))
	for name, view := range o.Extra {
		mux.Handle("GET /api/"+name, o.guard(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, view())
		})))
	}
	mux.Handle("GET /{$}", o.guard(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})))
	return mux
}

// guard answers loopback callers and callers with the token; it refuses the
// rest with 401 and says why.
func (o Options) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if loopback(r.RemoteAddr) || o.tokenOK(r) {
			next.ServeHTTP(w, r)
			return
		}
		o.Log.Warn().Str("remote", r.RemoteAddr).Str("path", r.URL.Path).Msg("http request refused: no valid token")
		w.Header().Set("WWW-Authenticate", `Bearer realm="argus-edge"`)
		msg := "unauthorized: remote callers need Authorization: Bearer <token>"
		if o.Token == "" {
			msg = "unauthorized: this edge answers loopback callers only (set edge.http_token_env to allow remote ones)"
		}
		http.Error(w, msg, http.StatusUnauthorized)
	})
}

func (o Options) tokenOK(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && o.Token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(o.Token)) == 1
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
