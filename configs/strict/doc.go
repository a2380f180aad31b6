// Package strict decodes a YAML document into Go structs the strict way:
// unknown keys are errors (with the nearest known key suggested), every
// problem carries the file, the line and the field path
// ("file:line: cameras[3].transport: message"), and one pass reports all
// problems rather than the first. Validators add their own problems at a
// field path through the same *Problems, which knows the line each field
// was written on.
//
// It serves every configuration Argus reads: the edge config (package
// configs) and the sites' rule sets (configs/ruleset), whether they come from a
// file or, as JSON (which is YAML), from an MQTT message. It imports only
// the standard library and yaml.v3, never anything of Argus.
package strict
