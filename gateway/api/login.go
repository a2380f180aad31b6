package api

import (
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/forwarded"
	"github.com/argus-edge/argus/gateway/login"
)

// userInfo is the caller as the console sees it.
type userInfo struct {
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Sites       []string `json:"sites"`
	Permissions []string `json:"permissions"`
}

func infoOf(p access.Principal) userInfo {
	return userInfo{Name: p.Name, Role: p.Role, Sites: p.Sites, Permissions: p.Permissions()}
}

// login checks a user's password and starts a session: the token in a
// cookie for the console and in the body for bearer use.
func (s *Server) login(c *call) {
	var in struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if !wantedType(c.r) {
		c.fail(http.StatusUnsupportedMediaType, "send the login as Content-Type application/json")
		return
	}
	if !c.decode(&in) {
		return
	}
	c.object = in.User
	p, sess, err := s.opts.Auth.Login(c.r.Context(), forwarded.Of(c.r).Key(), in.User, in.Password)
	var te *login.ThrottledError
	switch {
	case errors.As(err, &te):
		s.metrics.logins.WithLabelValues(te.Reason).Inc()
		secs := max(1, int(math.Ceil(te.RetryAfter.Seconds())))
		c.w.Header().Set("Retry-After", itoa(secs))
		c.detail = te.Error()
		c.reply(http.StatusTooManyRequests, map[string]any{"error": te.Error(), "reason": te.Reason, "retry_after": secs})
		return
	case errors.Is(err, login.ErrWrongCredentials):
		c.fail(http.StatusUnauthorized, err.Error())
		return
	case err != nil:
		c.failErr(s, err)
		return
	}
	c.p = p
	http.SetCookie(c.w, &http.Cookie{Name: CookieName, Value: sess.Token, Path: "/", Expires: sess.Expires,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: forwarded.Of(c.r).HTTPS})
	c.ok(map[string]any{"user": infoOf(p), "token": sess.Token, "expires": sess.Expires.UTC().Format(time.RFC3339)})
}

// logout ends the caller's session and clears the cookie.
func (s *Server) logout(c *call) {
	if err := s.opts.Auth.Logout(c.r.Context(), c.token); err != nil {
		c.failErr(s, err)
		return
	}
	http.SetCookie(c.w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: forwarded.Of(c.r).HTTPS})
	c.ok(map[string]bool{"ok": true})
}

// me is the caller with what it may do.
func (s *Server) me(c *call) {
	c.object = c.p.Name
	c.ok(infoOf(c.p))
}
