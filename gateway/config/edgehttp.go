package config

import (
	"time"

	"github.com/argus-edge/argus/configs/strict"
)

// EdgeHTTPFile is the edge_http section: how the gateway calls the edges'
// HTTP APIs (their :9100) for recordings and clips.
type EdgeHTTPFile struct {
	// TokenEnv names the variable holding the bearer token the edges'
	// :9100 require (their edge.http_token_env): one token for every edge,
	// as Prometheus uses.
	TokenEnv string `yaml:"token_env"`
	// ConnectTimeout bounds reaching an edge (default 5s); a body is never timed out.
	ConnectTimeout *strict.Duration `yaml:"connect_timeout"`
	// AnswerTimeout bounds the wait for an edge's answer once asked
	// (default 60s: an export is assembled before it is sent).
	AnswerTimeout *strict.Duration `yaml:"answer_timeout"`
}

// EdgeHTTP is the checked edge_http section. Token is a secret: never log it.
type EdgeHTTP struct {
	Token          string
	ConnectTimeout time.Duration
	AnswerTimeout  time.Duration
}

// DefaultEdgeHTTP has no token (the edges' recordings answer 502 saying so)
// and the default timeouts.
var DefaultEdgeHTTP = EdgeHTTP{ConnectTimeout: 5 * time.Second, AnswerTimeout: 60 * time.Second}

// parseEdgeHTTP reads the edges' token and the timeouts.
func parseEdgeHTTP(ps *strict.Problems, f EdgeHTTPFile, lookup func(string) (string, bool)) EdgeHTTP {
	e := DefaultEdgeHTTP
	if f.TokenEnv != "" {
		e.Token, _ = resolve(ps, "edge_http.token_env", f.TokenEnv, "token", 0, lookup)
	}
	for _, it := range []struct {
		field string
		v     *strict.Duration
		dst   *time.Duration
	}{{"edge_http.connect_timeout", f.ConnectTimeout, &e.ConnectTimeout}, {"edge_http.answer_timeout", f.AnswerTimeout, &e.AnswerTimeout}} {
		if it.v == nil {
			continue
		}
		if d := it.v.D(); d < 100*time.Millisecond || d > 10*time.Minute {
			ps.Addf(it.field, "%s: want between 100ms and 10m", d)
		}
		*it.dst = it.v.D()
	}
	return e
}
