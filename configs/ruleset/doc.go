// Package ruleset is the document side of a site's rule set: its schema,
// strict decoding (configs/strict), validation with the messages operators
// see, the retained MQTT topics it travels on, and SetStage, which rewrites
// a document's shadow and version fields for publication without touching
// the rest of its text.
//
// Both ends read rule sets through it: the edge (edge/rules compiles a
// validated Document into its engine) and the gateway (gateway/rulesets
// validates what operators submit, so the console shows the edge's own
// messages, and publishes it). It imports configs/strict and drivers/bus
// (the kinds and topics of the contract) and nothing of edge/ or gateway/.
package ruleset
