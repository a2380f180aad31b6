// Package bus is the MQTT contract that edges and the gateway share — the
// topics under argus/v1, the JSON payloads and the time format — plus the
// client an edge publishes with: a paho client with an on-disk
// store-and-forward queue, so no anomaly is lost while the broker is away.
//
// Edge and gateway never import each other; both import this package. Like
// every driver, bus imports nothing of edge or gateway. The contract is
// written out in README.md beside this file.
package bus
