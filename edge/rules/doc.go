// Package rules turns detections into anomalies by a site's rule set, the
// part of Argus that operators tune. A rule set (YAML in a file, or the
// same text in the retained MQTT message argus/v1/rules/<site>) is read by
// configs/ruleset — schema, strict decoding and validation with file:line
// errors, shared with the gateway — and compiled here by Parse, LoadDir or
// ParseMessage; an Engine evaluates one site's set on each analysed frame
// (Observe) and, for cameras whose frames stopped, on a clock (Tick),
// emitting start, update and end events;
// a Runner holds the live set and an optional shadow set, swaps versions
// live (Apply) and returns both sets' events, the shadow's flagged.
//
// The engine is deterministic in the frame times it is given and never
// reads the clock, so an hour of frames is tested in milliseconds.
//
// It imports edge/detect (the detection vocabulary) and configs/ruleset
// (the document) and nothing else of Argus: no gateway, no cgo.
// Publishing events is the caller's job (drivers/busclient).
package rules
