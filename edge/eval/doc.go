// Package eval judges the edge's detection on recorded footage: it plays a
// folder of clips, each described by a truth file (the intervals in which
// each kind of anomaly is present, and the rule set to run), through the
// edge's own analysis — the hub, edge/analyze's workers with their decoder
// (edge/decode), detectors (edge/detect) and rules (edge/rules), as a
// live camera's frames go — and scores the anomalies that come out: per
// kind, event recall, time to alert and false alerts per camera-hour, with
// a Markdown report holding the snapshot of every false and missed alert.
//
// It is the edge's own code path, not a copy of it: nothing here decodes
// or detects. Clips play through analyze.Footage, as rule replay
// (edge/replay) plays an edge's recordings. Clips become camera streams through the simulator's clip
// loader (drivers/sim). It must never import gateway packages.
package eval
