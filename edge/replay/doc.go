// Package replay runs a candidate rule set (a shadow or a draft version)
// over a camera's recorded footage, faster than real time, and says what
// it would have raised: the same decoder, detectors and rules as live
// (edge/analyze's Footage), fed the recorded frames with their recorded
// times (edge/record's footage reader). It yields to live cameras: it
// pauses whenever the edge's live analysis needs the CPU, and says so in
// its progress. One replay runs at a time per edge.
//
// It must never import gateway packages; what it reports is drivers/bus's
// ReplayReport.
package replay
