package status

import (
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bearer"
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
	// Token lets callers in with "Authorization: Bearer <token>" (or the
	// page's cookie). Without it only /healthz answers.
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
	// Routes are more handlers by mux pattern ("GET /api/clips/{id}"),
	// guarded by the token like the rest: the recordings (edge/record).
	Routes map[string]http.Handler
	// Fleet, when set, is the edge's fleet state (its epoch, whether it
	// is fenced), shown beside the cameras in /api/cameras.
	Fleet func() any
}

// Handler returns the edge's HTTP handler.
func Handler(src Source, o Options) http.Handler {
	if _, err := bearer.Parse(bearer.Header(o.Token)); o.Token != "" && err != nil {
		o.Log.Error().Msg("edge.http_token_env holds characters a bearer token cannot carry (want A-Z a-z 0-9 - . _ ~ + /): no caller can use it")
	}
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
	for pattern, h := range o.Routes {
		mux.Handle(pattern, o.guard(h))
	}
	mux.HandleFunc("GET /{$}", o.page)
	return mux
}

// CookieName is the cookie that lets a browser read the page and its JSON
// once it has opened /?token=<token>.
const CookieName = "argus_edge_token"

// guard answers callers with the token, as a bearer header or the page's
// cookie, and refuses the rest with 401 saying why. Loopback callers are
// not trusted: on a shared host every user is one.
func (o Options) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.tokenOK(r) {
			next.ServeHTTP(w, r)
			return
		}
		o.Log.Warn().Str("remote", r.RemoteAddr).Str("path", r.URL.Path).Msg("http request refused: no valid token")
		w.Header().Set("WWW-Authenticate", `Bearer realm="argus-edge"`)
		msg := "unauthorized: send Authorization: Bearer <token> (edge.http_token_env), or open /?token=<token> in a browser"
		if o.Token == "" {
			msg = "unauthorized: this edge has no token, so only /healthz answers (set edge.http_token_env)"
		}
		http.Error(w, msg, http.StatusUnauthorized)
	})
}

// Guard is guard for the edge's other listeners (its -pprof profiles):
// the same token, the same refusal.
func (o Options) Guard(next http.Handler) http.Handler { return o.guard(next) }

// page serves the status page. Opened as /?token=<token> with the right
// token, it sets the cookie and redirects to / so that the token leaves
// the address bar; the page's own fetches then carry the cookie.
func (o Options) page(w http.ResponseWriter, r *http.Request) {
	if t := r.URL.Query().Get("token"); t != "" && o.matches(t) {
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: t, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	o.guard(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})).ServeHTTP(w, r)
}

// tokenOK reports a bearer header or cookie carrying the edge's token.
func (o Options) tokenOK(r *http.Request) bool {
	if t, ok := bearer.Token(r); ok {
		return o.matches(t)
	}
	if ck, err := r.Cookie(CookieName); err == nil {
		return o.matches(ck.Value)
	}
	return false
}

// matches compares got with the token in constant time; no token matches nothing.
func (o Options) matches(got string) bool {
	return o.Token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(o.Token)) == 1
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
