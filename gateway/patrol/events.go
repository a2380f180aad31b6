package patrol

import "github.com/argus-edge/argus/drivers/bus"

// Event kinds.
const (
	EventDrone    = "drone"    // a drone's telemetry (at most TelemetryEvery apart, but on changes)
	EventPatrol   = "patrol"   // a patrol's progress
	EventDispatch = "dispatch" // a drone sent to look at an anomaly, or why none could go
)

// Event is one thing listeners hear; Site is whose it is.
type Event struct {
	Kind     string              `json:"kind"`
	Site     string              `json:"site"`
	Drone    *View               `json:"drone,omitempty"`
	Progress *bus.PatrolProgress `json:"progress,omitempty"`
	Dispatch *Dispatch           `json:"dispatch,omitempty"`
}

// Dispatch says that a drone was sent to look at an anomaly (Patrol set),
// or why none was (Error, with the checks that failed).
type Dispatch struct {
	Anomaly string  `json:"anomaly"`
	Camera  string  `json:"camera"`
	Kind    string  `json:"kind"` // the anomaly's: fire or smoke
	By      string  `json:"by"`   // the user, or "auto_dispatch"
	Drone   string  `json:"drone,omitempty"`
	Patrol  string  `json:"patrol,omitempty"`
	Route   string  `json:"route,omitempty"`
	Error   string  `json:"error,omitempty"`
	Checks  []Check `json:"checks,omitempty"`
}
