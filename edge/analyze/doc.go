// Package analyze watches every pulled camera: it takes the camera's units
// from the hub, decodes them (edge/decode) in idle or active mode, runs the
// detectors the site's rules ask for (edge/detect), turns detections into
// anomaly events (edge/rules) and hands them, with a snapshot on start, to
// the publisher (drivers/bus). One goroutine per camera; a slow camera only
// drops its own frames, counted by the hub.
//
// The path of a frame: worker.run (this package) → decode.Decoder.Decode →
// detectors → rules.Runner.Observe → Sink.PublishAnomaly.
package analyze
