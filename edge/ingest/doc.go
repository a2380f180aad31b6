// Package ingest keeps every configured camera pulled: one supervisor per
// camera stream reconnects with backoff, publishes units into the hub and
// keeps the camera's status. Apply reconciles a new config live: added
// cameras start, removed ones stop, changed ones restart and the others are
// not touched.
package ingest
