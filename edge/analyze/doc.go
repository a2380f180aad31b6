// Package analyze watches every pulled camera: it takes the camera's units
// from the hub, decodes them (edge/decode) in idle or active mode, runs the
// detectors the site's rules ask for (edge/detect), turns detections into
// anomaly events (edge/rules) and hands them, with a snapshot on start, to
// the publisher (drivers/busclient). One goroutine per camera. The edge spends
// an analysis budget (Options.Cores) on purpose: a scheduler shares the
// expensive objects detector across cameras by priority (an ongoing high
// or critical anomaly, then motion, then the rest) while every camera's
// cheap checks (motion, fire, smoke, health) keep their rate; a camera
// more than MaxLag behind its frames skips to the next keyframe; every
// shed frame is counted by reason (argus_analysis_frames_shed_total) and
// logged once per burst. A site's shadow rule set gets the detections of
// the detectors whose settings equal the live set's, and its own instances
// of those that differ, run below every live priority (shadow.go).
//
// The path of a frame: worker.run (this package) → decode.Decoder.Decode →
// detectors (live, then the shadow's own) → rules.Runner.ObserveSplit →
// Sink.PublishAnomaly.
package analyze
