package api

import (
	"crypto/subtle"
	"net/http"

	"github.com/argus-edge/argus/drivers/bearer"
	"github.com/argus-edge/argus/gateway/access"
)

// Metrics guards the gateway's /metrics (h) with the edge's rule: the
// scrape token (the config's metrics.token_env) as a bearer token, or an
// admin's session; nobody else, whatever their address. A scrape with the
// token is not audited (Prometheus reads every 15 s); an admin's read and
// every refusal are.
func (s *Server) Metrics(token string, h http.Handler) http.Handler {
	return s.wrap(route{action: "metrics.read", handle: func(c *call) {
		t, hasBearer := bearer.Token(c.r)
		if hasBearer && token != "" && subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			c.audited = true
			h.ServeHTTP(c.w, c.r)
			return
		}
		if _, err := c.r.Cookie(CookieName); !hasBearer && err != nil {
			c.w.Header().Set("WWW-Authenticate", `Bearer realm="argus"`)
			c.fail(http.StatusUnauthorized, "unauthorized: /metrics needs the scrape token (metrics.token_env) as Authorization: Bearer, or an admin's session")
			return
		}
		if s.admit(c, access.PermAdmin) {
			h.ServeHTTP(c.w, c.r)
		}
	}})
}
