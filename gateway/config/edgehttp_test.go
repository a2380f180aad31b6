package config

import (
	"strings"
	"testing"
	"time"
)

// The edge_http section: the edges' token from its variable, the timeouts,
// and each bad value named by its field.
func TestParseEdgeHTTP(t *testing.T) {
	base := "bus:\n  users:\n    - {name: gw, role: gateway, password_env: BUS}\n"
	vars := env(map[string]string{"BUS": "0123456789abcdef-bus", "EDGE_HTTP": "0123456789abcdef-edge-http", "SHORT": "x"})
	c, err := ParseConfig("g.yaml", []byte(base), vars)
	if err != nil {
		t.Fatal(err)
	}
	if c.EdgeHTTP != DefaultEdgeHTTP {
		t.Errorf("defaults %+v", c.EdgeHTTP)
	}
	c, err = ParseConfig("g.yaml", []byte(base+"edge_http: {token_env: EDGE_HTTP, connect_timeout: 2s, answer_timeout: 90s}\n"), vars)
	if err != nil {
		t.Fatal(err)
	}
	if c.EdgeHTTP != (EdgeHTTP{Token: "0123456789abcdef-edge-http", ConnectTimeout: 2 * time.Second, AnswerTimeout: 90 * time.Second}) {
		t.Errorf("edge_http %+v", c.EdgeHTTP)
	}
	for yaml, want := range map[string]string{
		"edge_http: {token_env: NOPE}":            "g.yaml:4: edge_http.token_env: environment variable NOPE is not set",
		"edge_http: {token_env: SHORT}":           "edge_http.token_env: environment variable SHORT holds 1 bytes",
		"edge_http: {connect_timeout: 1ms}":       "edge_http.connect_timeout: 1ms: want between 100ms and 10m",
		"edge_http: {answer_timeout: 1h}":         "edge_http.answer_timeout: 1h0m0s: want between 100ms and 10m",
		"edge_http: {token: literal-in-the-file}": "edge_http",
	} {
		_, err := ParseConfig("g.yaml", []byte(base+yaml+"\n"), vars)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", yaml, err, want)
		}
	}
}
