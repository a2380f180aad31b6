package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI is a simulated gateway API for the view tests of this package:
// fixed answers shaped as gateway/api/API.md describes, so the views can
// be driven in Chromium before (and independently of) the real API. The
// real API and console are tested together in deploy/e2e.
type fakeAPI struct {
	events chan string   // SSE frames to push ("event: x\ndata: {...}\n\n")
	drop   chan struct{} // ends the current SSE stream, as the gateway drops a lagging client
	acked  chan string   // anomaly ids acknowledged through the console
	wheps  chan string   // cameras other than cam5 and cam7 asked over WHEP (answered 503)
	acts   chan string   // incident actions through the console: "<verb> <id> <body>"

	mu    sync.Mutex
	users []any // created through the console
}

var fakeRoles = map[string][]string{
	"cmdr":  {"view", "handle", "rules.read", "verify"},
	"op":    {"view", "rules.read", "rules.write", "inventory"},
	"root":  {"view", "handle", "rules.read", "rules.write", "inventory", "admin", "fly", "verify"},
	"pilot": {"view", "fly", "verify"},
}

// startFakeAPI serves the console and the simulated API on one origin.
func startFakeAPI(t *testing.T) (*httptest.Server, *fakeAPI) {
	t.Helper()
	f := &fakeAPI{events: make(chan string, 16), drop: make(chan struct{}), acked: make(chan string, 16), wheps: make(chan string, 64), acts: make(chan string, 16)}
	mux := http.NewServeMux()
	mux.Handle("/", Handler())
	mux.HandleFunc("POST /api/login", f.login)
	mux.HandleFunc("/api/", f.authed)
	// The player asks for ICE servers before each WHEP; this gateway has none.
	mux.HandleFunc("OPTIONS /whep/{camera}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "OPTIONS, POST")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /whep/{camera}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if cam := r.PathValue("camera"); cam != "cam5" && cam != "cam7" {
			f.wheps <- cam
			http.Error(w, "no relay for "+cam+" yet", http.StatusServiceUnavailable)
			return
		}
		http.Error(w, "camera codec H265 is not in the offer", http.StatusUnsupportedMediaType)
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
	})
	return hs, f
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ User, Password string }
	json.NewDecoder(r.Body).Decode(&in)
	if _, ok := fakeRoles[in.User]; !ok || in.Password != "pw" {
		writeJSON(w, 401, map[string]string{"error": "wrong user or password"})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "argus_session", Value: "tok-" + in.User, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, 200, map[string]any{"user": map[string]any{"name": in.User}, "token": "tok-" + in.User, "expires": time.Now().Add(time.Hour)})
}

// who reads the session from the bearer token or the cookie.
func who(r *http.Request) string {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if c, err := r.Cookie("argus_session"); tok == "" && err == nil {
		tok = c.Value
	}
	name, _ := strings.CutPrefix(tok, "tok-")
	if _, ok := fakeRoles[name]; !ok {
		return ""
	}
	return name
}

var fakeAnomaly = map[string]any{"id": "a1", "site": "riverside", "camera": "cam5", "edge": "edge-1", "kind": "fire",
	"severity": "critical", "state": "start", "status": "open", "has_snapshot": true, "started_at": "2026-12-01T05:00:00Z"}

func (f *fakeAPI) authed(w http.ResponseWriter, r *http.Request) {
	user := who(r)
	if user == "" {
		writeJSON(w, 401, map[string]string{"error": "no session"})
		return
	}
	cam := func(id, state string) map[string]any {
		return map[string]any{"camera": id, "site": "riverside", "edge": "edge-1", "state": state, "codec": "H264", "width": 640, "height": 360, "fps": 15}
	}
	if f.incidentCall(w, r, user) {
		return
	}
	switch p := r.Method + " " + r.URL.Path; p {
	case "GET /api/me":
		writeJSON(w, 200, map[string]any{"name": user, "role": user, "sites": []string{"riverside"}, "permissions": fakeRoles[user]})
	case "GET /api/events":
		f.sse(w, r, user)
	case "GET /api/wall":
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"camera": "cam5", "site": "riverside", "anomaly": "a1", "kind": "fire", "severity": "critical", "reason": "fire on cam5"}}})
	case "POST /api/logout":
		w.WriteHeader(http.StatusNoContent)
	case "GET /api/cameras/cam1", "GET /api/cameras/cam5", "GET /api/cameras/cam7":
		writeJSON(w, 200, cam(r.URL.Path[len("/api/cameras/"):], "online"))
	case "GET /api/cameras":
		// cam1's edge is overloaded: its analysis lags and sheds frames.
		busy := cam("cam1", "online")
		busy["mode"], busy["analysis_fps"], busy["lag_seconds"], busy["shed_frames"] = "active", 1.8, 2.5, 340
		writeJSON(w, 200, map[string]any{"items": []any{busy, cam("cam2", "offline")}, "total": 41000, "next": "cur2"})
	case "GET /api/sites":
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"site": "riverside", "cameras": 2, "online": 1, "offline": 1}}})
	case "GET /api/edges":
		writeJSON(w, 200, map[string]any{"items": []any{
			map[string]any{"edge": "edge-1", "state": "online", "cameras_owned": 150, "capacity": 300, "load": 1.5, "memory_bytes": 312 << 20, "queue_depth": 7, "last_seen": time.Now().Add(-3 * time.Second),
				"fleet": map[string]any{"live": true, "capacity": 300, "assigned": 120, "drained": true, "epoch": 9}},
			map[string]any{"edge": "edge-2", "state": "offline", "cameras_owned": 0, "capacity": nil, "load": 0}}})
	case "GET /api/anomalies":
		writeJSON(w, 200, map[string]any{"items": []any{fakeAnomaly}})
	case "GET /api/anomalies/a1/snapshot", "GET /api/anomalies/a2/snapshot":
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(tinyJPEG())
	case "POST /api/anomalies/a1/ack":
		rec := map[string]any{}
		for k, v := range fakeAnomaly {
			rec[k] = v
		}
		rec["status"], rec["acknowledged_by"], rec["acknowledged_at"] = "acknowledged", user, "2026-12-01T05:01:00Z"
		f.acked <- "a1"
		writeJSON(w, 200, rec)
	case "GET /api/sites/riverside/rules":
		rs := map[string]any{"site": "riverside", "version": 1, "document": "site: riverside\nversion: 1\ncameras: {}\n", "author": "op", "stage": "live"}
		// Older versions by a long-named author: the versions table must stay in its panel.
		old := []any{rs}
		for v := 2; v <= 4; v++ {
			old = append(old, map[string]any{"site": "riverside", "version": v, "document": "site: riverside\n", "author": "riverside-duty-operator-night-shift",
				"stage": "retired", "created": "2026-12-01T05:00:00Z"})
		}
		writeJSON(w, 200, map[string]any{"live": rs, "shadow": nil, "versions": old})
	case "POST /api/sites/riverside/rules/validate":
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "kind: unicorn") {
			writeJSON(w, 422, map[string]any{"error": "rule set does not validate", "problems": []any{
				map[string]any{"line": 3, "field": "cameras.*.rules[0].kind", "message": `unknown kind "unicorn"`}}})
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true, "version": 2})
	case "GET /api/users":
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"items": append([]any{map[string]any{"name": "root", "role": "admin", "sites": []string{"*"}, "source": "config"}}, f.users...)})
	case "POST /api/users":
		var u struct {
			Name, Role, Password string
			Sites                []string
		}
		json.NewDecoder(r.Body).Decode(&u)
		if u.Password == "" {
			writeJSON(w, 400, map[string]string{"error": "password: missing"})
			return
		}
		f.mu.Lock()
		f.users = append(f.users, map[string]any{"name": u.Name, "role": u.Role, "sites": u.Sites, "source": "store"})
		f.mu.Unlock()
		writeJSON(w, 201, map[string]any{"name": u.Name, "role": u.Role, "sites": u.Sites, "source": "store"})
	case "GET /api/audit":
		writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"time": "2026-12-01T05:00:00Z", "who": "root", "role": "admin", "action": "login", "status": 200}}})
	default:
		writeJSON(w, 404, map[string]string{"error": "fake API: no " + p})
	}
}

// sse sends hello and then every frame pushed on f.events until the client goes.
func (f *fakeAPI) sse(w http.ResponseWriter, r *http.Request, user string) {
	w.Header().Set("Content-Type", "text/event-stream")
	// retry: the browser reconnects 100 ms after a drop (instead of about 3 s).
	fmt.Fprintf(w, "retry: 100\nevent: hello\ndata: {\"user\": %q}\n\n", user)
	w.(http.Flusher).Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-f.drop:
			return
		case ev := <-f.events:
			io.WriteString(w, ev)
			w.(http.Flusher).Flush()
		}
	}
}

// tinyJPEG is a 32x18 grey JPEG: a real image the browser decodes.
func tinyJPEG() []byte {
	var b bytes.Buffer
	jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 32, 18)), nil)
	return b.Bytes()
}
