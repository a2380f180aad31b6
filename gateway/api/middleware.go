package api

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/argus-edge/argus/drivers/bearer"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/forwarded"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/store"
)

// CookieName is the session cookie.
const CookieName = "argus_session"

// authenticated marks a route that needs a session but no particular permission.
const authenticated access.Permission = "-"

// route is one line of the API's table.
type route struct {
	pattern string
	action  string            // the audit action
	perm    access.Permission // "" for a public route (login)
	handle  func(*call)
}

// call is one request on its way through a handler: who asks, and what
// the audit entry will say about it.
type call struct {
	w       *recorder
	r       *http.Request
	p       access.Principal
	token   string    // the session token; never logged or audited
	expires time.Time // of the session
	object  string    // audited: the object acted on
	site    string    // audited: its site
	detail  string    // audited: why it was refused, or a note
	audited bool
	// bodyLimit bounds a JSON or YAML body (limits.body_bytes).
	bodyLimit int64
}

// wrap resolves the principal, checks the permission and writes the audit
// entry once the handler has answered (or refused).
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{w: &recorder{ResponseWriter: w}, r: r, site: r.PathValue("site"), bodyLimit: s.opts.Limits.BodyBytes}
		// The path names the object, so that a call refused before its
		// handler runs is audited with it too.
		for _, name := range []string{"id", "drone", "camera", "edge", "site", "name"} {
			if v := r.PathValue(name); v != "" && c.object == "" {
				c.object = v
			}
		}
		defer func() { s.finish(c, rt.action) }()
		if rt.perm == "" || s.admit(c, rt.perm) {
			rt.handle(c)
		}
	})
}

// admit resolves the session and checks the method's content type and the
// role's permission; it answers 401/403/415 itself.
func (s *Server) admit(c *call, perm access.Permission) bool {
	token, viaCookie := sessionToken(c.r)
	p, expires, err := s.opts.Auth.Resolve(c.r.Context(), token)
	if err != nil {
		if !errors.Is(err, login.ErrNoSession) {
			s.log.Error().Err(err).Msg("resolving a session")
			c.fail(http.StatusServiceUnavailable, "sessions unavailable")
			return false
		}
		c.w.Header().Set("WWW-Authenticate", `Bearer realm="argus"`)
		c.fail(http.StatusUnauthorized, "no session: log in")
		return false
	}
	c.p, c.token, c.expires = p, token, expires
	// A cookie rides along with any request the browser makes, even one a
	// page of another site starts. An HTML form can only send urlencoded,
	// multipart or text/plain bodies, and a cross-site fetch with a JSON or
	// YAML type needs a CORS preflight we never answer: requiring those
	// types on unsafe methods refuses cross-site requests (with
	// SameSite=Strict, a second guard). A bearer token is never sent by
	// the browser on its own, so bearer calls need no such check.
	if viaCookie && unsafe(c.r.Method) && !wantedType(c.r) {
		c.fail(http.StatusUnsupportedMediaType, "with the session cookie, "+c.r.Method+" needs Content-Type application/json (or application/yaml for rule sets, text/csv for imports)")
		return false
	}
	if perm != authenticated && !p.Can(perm) {
		c.fail(http.StatusForbidden, fmt.Sprintf("role %s lacks the %s permission", p.Role, perm))
		return false
	}
	return true
}

// finish writes the call's audit entry, unless it was written already (SSE
// audits at connect), and counts the request.
func (s *Server) finish(c *call, action string) {
	status := c.w.status
	if status == 0 {
		status = http.StatusOK
	}
	s.metrics.request(action, status)
	if !c.audited {
		s.auditCall(c, action, status)
	}
	ev := s.log.Debug()
	if status >= 400 {
		ev = s.log.Info()
	}
	ev.Str("who", who(c.p)).Str("action", action).Str("method", c.r.Method).Str("path", c.r.URL.Path).Int("status", status).Msg("api call")
}

// auditCall writes one audit entry; a store failure is logged, the answer stands.
func (s *Server) auditCall(c *call, action string, status int) {
	c.audited = true
	e := store.AuditEntry{Time: s.opts.Now().UTC(), Who: who(c.p), Role: c.p.Role, Action: action,
		Object: c.object, Site: c.site, Status: status, Detail: c.detail, Addr: addrOf(c.r)}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.r.Context()), 5*time.Second)
	defer cancel()
	if err := s.opts.Audit.Audit(ctx, e); err != nil {
		s.log.Error().Err(err).Str("action", action).Msg("audit entry not written")
	}
}

// addrOf is the client's address for the audit ("" when unknown).
func addrOf(r *http.Request) string {
	if a := forwarded.Of(r).Addr; a.IsValid() {
		return a.String()
	}
	return ""
}

func who(p access.Principal) string {
	if p.Name == "" {
		return "anonymous"
	}
	return p.Name
}

// sessionToken is the bearer token, else the cookie's.
func sessionToken(r *http.Request) (token string, viaCookie bool) {
	if t, ok := bearer.Token(r); ok {
		return t, false
	}
	if ck, err := r.Cookie(CookieName); err == nil && ck.Value != "" {
		return ck.Value, true
	}
	return "", false
}

func unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// wantedType reports a JSON or YAML request body type.
func wantedType(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/csv":
		// text/csv is not one of the types a cross-site form or simple
		// request may send: it too needs the preflight we never answer.
		return true
	}
	return false
}

// recorder remembers the status answered, for the audit entry.
type recorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status.
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and SetWriteDeadline.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
