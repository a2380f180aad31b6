// Package patrol is the gateway's side of the drones: it follows every
// drone's telemetry and patrol progress over MQTT
// (argus/v1/drones/+/telemetry and argus/v1/drones/+/patrols), keeps each
// drone's latest state, home and patrol in progress, and launches and
// aborts patrols for pilots (patrol_launch and patrol_abort on the edge
// holding the drone's link, through gateway/directory's commands) after
// its own pre-flight: the site's airspace (configs/airspace) and the
// caller's permission. It sends the nearest able drone to look at a
// camera's fire or smoke, by request or by itself where the site's
// airspace turns auto_dispatch on, and tells listeners (the console's
// event stream) of telemetry, twice a second per drone on average, of
// patrol progress and of dispatches.
//
// It speaks only the drivers/bus contract and never imports edge/, nor the
// API that serves it (gateway/api imports it).
package patrol
