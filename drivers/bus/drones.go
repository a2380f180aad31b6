package bus

// Drone link states, in DroneTelemetry.Link.
const (
	LinkUp   = "up"        // heartbeats arrive
	LinkLost = "link_lost" // no heartbeat for 3 s
	LinkNone = "none"      // never heard from since the edge started
)

// Drone states, in DroneTelemetry.State: what a pilot needs at a glance.
const (
	DroneIdle      = "idle"       // on the ground, disarmed, free for a patrol
	DronePatrol    = "patrolling" // flying a patrol Argus launched
	DroneReturning = "returning"  // RTL, after an abort, the route's end or a failsafe
	DroneFlying    = "flying"     // armed and airborne outside an Argus patrol
	DroneOffline   = "offline"    // its link is lost or was never up
)

// Patrol progress states on argus/v1/drones/{drone}/patrols, in order of a
// normal flight: accepted, uploading, started, waypoint (n of N, repeated),
// returning, landed, completed. A patrol ends in exactly one of completed,
// aborted, refused or failed.
const (
	PatrolAccepted  = "accepted"
	PatrolUploading = "uploading"
	PatrolStarted   = "started"
	PatrolWaypoint  = "waypoint"
	PatrolReturning = "returning"
	PatrolLanded    = "landed"
	PatrolCompleted = "completed"
	PatrolAborted   = "aborted"
	PatrolRefused   = "refused"
	PatrolFailed    = "failed"
)

// PatrolEnded reports whether state ends a patrol.
func PatrolEnded(state string) bool {
	switch state {
	case PatrolCompleted, PatrolAborted, PatrolRefused, PatrolFailed:
		return true
	}
	return false
}

// DroneTelemetry is retained on argus/v1/drones/{drone}/telemetry (QoS 0),
// published by the edge holding the drone's link at 2 Hz and on every
// change of link or state.
type DroneTelemetry struct {
	Drone    string        `json:"drone"`
	Site     string        `json:"site"`
	Edge     string        `json:"edge"`
	State    string        `json:"state"` // DroneIdle, DronePatrol, …
	Link     string        `json:"link"`  // LinkUp, LinkLost or LinkNone
	Mode     string        `json:"mode"`  // the autopilot's flight mode name, e.g. AUTO, RTL, GUIDED
	Armed    bool          `json:"armed"`
	Status   string        `json:"status"` // MAV_STATE in words: standby, active, critical, …
	Battery  DroneBattery  `json:"battery"`
	Position *DronePos     `json:"position,omitempty"` // absent until a first GLOBAL_POSITION_INT
	GPSFix   bool          `json:"gps_fix"`            // a 3D fix or better
	Speed    float64       `json:"speed"`              // ground speed, m/s
	Patrol   *PatrolStatus `json:"patrol,omitempty"`   // the current or last patrol
	Message  string        `json:"message,omitempty"`  // the last STATUSTEXT
	// MaxSpeed (m/s) and Endurance (seconds of flight on a full battery)
	// are the drone's own figures from its edge's config, for the
	// gateway's pre-flight; 0 when the edge does not say.
	MaxSpeed  float64 `json:"max_speed,omitempty"`
	Endurance float64 `json:"endurance_s,omitempty"`
	Time      Time    `json:"time"`
}

// DroneBattery is a drone's battery as the autopilot reports it; -1 means
// unknown.
type DroneBattery struct {
	Percent int     `json:"percent"`
	Voltage float64 `json:"voltage"` // volts
}

// DronePos is a drone's position: WGS 84 degrees, Alt metres above its
// home (relative), AltMSL above sea level, Heading degrees from north.
type DronePos struct {
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	Alt     float64 `json:"alt"`
	AltMSL  float64 `json:"alt_msl"`
	Heading float64 `json:"heading"`
}

// PatrolStatus is where a drone is in its current (or last) patrol.
type PatrolStatus struct {
	ID       string `json:"id"`
	Route    string `json:"route"`
	State    string `json:"state"`    // one of the Patrol* states
	Waypoint int    `json:"waypoint"` // 1-based index of the waypoint last reached or headed for
	Of       int    `json:"of"`       // waypoints in the route
	// Reason is the latest event's: why the drone is returning (aborted,
	// route done, failsafe, …) or why the patrol ended. An edge restarted
	// mid-patrol reads it back from the retained telemetry: an abort stays
	// an abort.
	Reason string `json:"reason,omitempty"`
	// Verifies is the camera anomaly the flight was sent to look at
	// (PatrolOrder.Verifies), "" for a patrol.
	Verifies string `json:"verifies,omitempty"`
}

// PatrolProgress is one event on argus/v1/drones/{drone}/patrols (QoS 1):
// a patrol's state changed. Reason says why for refused, failed and
// aborted, and why the drone turns home for returning, in words a pilot
// reads.
type PatrolProgress struct {
	ID string `json:"id"` // the patrol id the gateway gave in the launch command
	// Seq is assigned by the publishing Client from the same sequence as
	// anomalies: a receiver drops an (edge, seq) it has already seen.
	Seq      uint64 `json:"seq,omitempty"`
	Drone    string `json:"drone"`
	Site     string `json:"site"`
	Edge     string `json:"edge"`
	Route    string `json:"route"`
	State    string `json:"state"`
	Waypoint int    `json:"waypoint,omitempty"`
	Of       int    `json:"of,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Time     Time   `json:"time"`
}

// PatrolOrder is what a patrol_launch Command carries in Command.Patrol:
// the patrol's id, who launched it, and the route as the gateway checked
// it. The edge checks it again against its own copy of the site's airspace
// before anything is uploaded.
type PatrolOrder struct {
	ID     string        `json:"id"`
	Route  string        `json:"route"`
	By     string        `json:"by"`     // the console user, for the edge's log
	Reason string        `json:"reason"` // "patrol", or "verify <anomaly id>"
	Points []PatrolPoint `json:"points"`
	RTL    bool          `json:"rtl"` // return to launch after the last point
	Target *Geo          `json:"target,omitempty"`
	// Verifies is the id of the camera anomaly the drone is sent to look
	// at ("" for a patrol): the edge stamps the anomalies of the drone's
	// video during that flight with it (Anomaly.Verifies).
	Verifies string `json:"verifies,omitempty"`
}

// PatrolPoint is one waypoint of a route: Alt is metres above the home
// (take-off) point, Speed m/s towards it, Hover seconds held there,
// GimbalPitch degrees (0 level, -90 straight down).
type PatrolPoint struct {
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Alt         float64 `json:"alt"`
	Speed       float64 `json:"speed,omitempty"`
	Hover       float64 `json:"hover,omitempty"`
	GimbalPitch float64 `json:"gimbal_pitch,omitempty"`
}
