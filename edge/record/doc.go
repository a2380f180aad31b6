// Package record keeps a camera's video on the edge's disk as it came
// from the camera (no re-encode, B-frames given their decode times):
// continuous fragmented-MP4 segments by the camera's policy, event clips
// around each anomaly, cut from a ring of the recent GOPs so a clip
// starts before the anomaly did, and a drone's video through each of its
// patrols with the telemetry track beside it. It prunes by age and by a
// disk quota, oldest first, and serves all of it over HTTP with range
// requests.
//
// A recorder is one more consumer of the edge's hub: a full or failing
// disk costs recordings, never ingest or detection. record imports
// drivers (media, bus) and edge/hub only; it must never import
// edge/analyze, edge/ingest, edge/drone or anything of gateway — anomalies
// reach it through Observe, patrols through ObservePatrol and
// ObserveTelemetry.
//
// Durability: each fragment (one GOP, or one second of a longer GOP) is
// written with one write call (O_DIRECT where the file system takes it:
// the page cache's copy was most of recording's cost), so a killed
// process loses at most the fragment it was gathering; files are fsynced
// when they close, so a power loss loses at most the open segment's
// unsynced tail. At start, files still named .open are cut back to their
// last whole fragment and closed under their real end time.
package record
