// Package status serves the edge's own HTTP surface on :9100: a camera
// state page, the same state as JSON, Prometheus metrics and a health check.
// Only local callers and holders of the edge's token are answered, except
// /healthz, which says nothing but "ok".
package status
