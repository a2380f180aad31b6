// Package status serves the edge's own HTTP surface on :9100: a camera
// state page, the same state as JSON, Prometheus metrics and a health check.
// Every path but /healthz, which says nothing but "ok", needs the edge's
// token (edge.http_token_env), loopback callers too: a shared host's users
// all call from loopback. Programs send it as a bearer token; a browser
// opens /?token=<token> once and is given an HttpOnly, SameSite=Strict
// cookie for the page's own requests. It imports nothing of the gateway.
package status
