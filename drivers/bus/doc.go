// Package bus is the MQTT contract that edges and the gateway share: the
// topics under argus/v1, the JSON payloads, the time format and the replay
// reports. The client that speaks it is drivers/busclient.
//
// Edge and gateway never import each other; both import this package. Like
// every driver, bus imports nothing of edge or gateway, and, being only the
// contract, no MQTT client (paho) nor the edge's queue (drivers/spool). The
// contract is written out in README.md beside this file.
package bus
