// Package drone flies the edge's drones: it holds their MAVLink links
// (one drivers/mavlink node for all of them), publishes each drone's
// telemetry, carries out the gateway's patrol_launch and patrol_abort
// commands (pre-flight again at the edge, geofence and mission upload,
// arm, start, watch, return) and reports the patrol's progress on the bus,
// and keeps a short position history so that anomalies from a drone's
// video are placed where the drone was when the frame was taken (and,
// on a flight sent to verify a camera anomaly, filed under it). An edge
// that stops mid-patrol leaves the patrol to the autopilot; at its next
// start it reads the patrol back (the bus's retained telemetry, the
// vehicle's state and mission) and follows it on to its end.
//
// It must never import gateway packages; what it shares with the gateway
// is drivers/bus (the contract) and configs/airspace (the pre-flight).
package drone
