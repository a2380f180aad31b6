// Package ingest keeps every configured camera pulled: one supervisor per
// camera stream reconnects with backoff, publishes units into the hub and
// keeps the camera's status. Apply reconciles a new config live: added
// cameras start, removed ones stop, those pulled differently (URLs,
// transport, credentials) restart, and the others keep their pulls, handed
// their new description and the ingest settings for their next attempt.
package ingest
