// Package drone is a simulated MAVLink multicopter for tests and the demo:
// a gomavlib node with its own system id that behaves like ArduCopter as
// far as Argus needs. It answers the mission and fence protocols, arms,
// changes mode, starts missions and returns to launch on command, flies
// its route with simple kinematics on a simulated clock that can run
// faster than real time, drains its battery, enforces its fence and
// returns home on a breach, on low battery and on a lost ground station.
// Options make it misbehave: refuse missions, drop mission messages, lose
// its link, start low on battery, have no GPS fix. No real autopilot is
// involved anywhere. It must never import edge or gateway packages.
package drone
