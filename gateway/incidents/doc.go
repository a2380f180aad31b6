// Package incidents groups anomalies into incidents as they arrive: one
// card per real event for command staff instead of one row per anomaly.
// The rules (Rules, documented there) put the same kind on the same camera
// within a window into one incident, a condition toggling too often into
// one "flapping" incident, fire and smoke seen by cameras close together
// (and a drone's verifying look) into one, and many cameras going offline
// on one site within a minute into one "site outage". The Engine is pure
// in-memory state, deterministic for a given order of records; Service
// (service.go) persists what it decides and tells listeners. It never
// imports HTTP, MQTT or the API: it sees anomalies as store records.
package incidents
