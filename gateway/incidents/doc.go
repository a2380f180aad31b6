// Package incidents groups anomalies into incidents as they arrive: one
// card per real event for command staff instead of one row per anomaly.
// The rules (Rules, documented there) put the same kind on the same camera
// within a window into one incident, a condition toggling too often into
// one "flapping" incident, fire and smoke seen by cameras whose views
// overlap or that stand close together (and a drone's verifying look) into
// one, and many cameras going offline on one site, or of one power area,
// within a minute into one outage. The Engine is pure in-memory state,
// deterministic for a given order of records; Service (service.go)
// persists what it decides, acts on incidents and their member anomalies
// for people, lets one gateway replica of several group (Options.Leads),
// tells auto_dispatch of fire incidents (Options.Dispatch) and tells
// listeners. It never imports HTTP, MQTT, the API or the drones: it sees
// anomalies as store records and the rest through functions.
package incidents
