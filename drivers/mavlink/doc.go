// Package mavlink speaks MAVLink 2 (ArduPilot dialect, gomavlib) to the
// drones an edge holds: one Node per edge over any number of links (UDP,
// TCP, serial), vehicles told apart by system id. It reads their
// telemetry into a State, runs the mission protocol (upload, read back,
// clear; missions and geofences) and the command protocol (arm, mode,
// mission start, return to launch), each with the spec's timeouts and
// retries. It must never import edge or gateway packages; what it shares
// with them is drivers/bus.
package mavlink
