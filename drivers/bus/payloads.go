package bus

// Anomaly states: one start, any number of updates, one end per event.
const (
	StateStart  = "start"
	StateUpdate = "update"
	StateEnd    = "end"
)

// Anomaly kinds the detectors emit today; the set is open, receivers must
// accept kinds they do not know.
const (
	KindMotion         = "motion"
	KindPerson         = "person"
	KindVehicle        = "vehicle"
	KindFire           = "fire"
	KindSmoke          = "smoke"
	KindIntrusion      = "intrusion"
	KindLoitering      = "loitering"
	KindLineCrossing   = "line_crossing"
	KindCameraOffline  = "camera_offline"
	KindCameraFrozen   = "camera_frozen"
	KindCameraCovered  = "camera_covered"
	KindCameraTampered = "camera_tampered"
)

// Severities is the scale of an anomaly's severity, lowest first; a rule
// sets it (medium by default).
var Severities = []string{"info", "low", "medium", "high", "critical"}

// SeverityRank is the index of sev in Severities, or -1 for an unknown one.
func SeverityRank(sev string) int {
	for i, s := range Severities {
		if s == sev {
			return i
		}
	}
	return -1
}

// Anomaly is one event on argus/v1/anomalies/{site}/{camera}: QoS 1, not
// retained, delivered at least once. Seq is assigned by the publishing
// Client: it grows by one per anomaly of the edge, survives restarts, and a
// receiver drops any (edge, seq) it has already seen (a QoS 1 redelivery).
type Anomaly struct {
	ID          string     `json:"id"`
	Seq         uint64     `json:"seq"`
	Site        string     `json:"site"`
	Camera      string     `json:"camera"`
	Edge        string     `json:"edge"`
	Kind        string     `json:"kind"`
	State       string     `json:"state"`
	Severity    string     `json:"severity"` // info, low, medium, high or critical (Severities)
	Score       float64    `json:"score"`
	Box         [4]float64 `json:"box"` // x, y, w, h as fractions 0..1 of the frame
	Zone        string     `json:"zone"`
	Rule        string     `json:"rule"`
	RuleVersion int        `json:"rule_version"`
	Shadow      bool       `json:"shadow"` // from a rule in shadow mode: logged, not alerted
	FrameTime   Time       `json:"frame_time"`
	PublishedAt Time       `json:"published_at"` // when the edge queued it; delivery may be later
	Geo         *Geo       `json:"geo,omitempty"`
	Snapshot    []byte     `json:"snapshot,omitempty"` // a JPEG; JSON carries it as base64
	// Verifies is, on an anomaly of a drone's video, the camera anomaly
	// the drone was flying to look at when the frame was taken
	// (PatrolOrder.Verifies); "" otherwise. The gateway files the drone's
	// anomaly under the camera's.
	Verifies string `json:"verifies,omitempty"`
	Owner
}

// Owner says which pull of a camera a message comes from, in fleet mode:
// the assignment revision (epoch) under which the edge pulls the camera
// and the edge process's incarnation (a random id per start). The gateway
// drops a message whose epoch is older than the camera's current
// assignment. Both are empty from a standalone edge.
type Owner struct {
	Epoch       uint64 `json:"epoch,omitempty"`
	Incarnation string `json:"incarnation,omitempty"`
}

// Geo is a position in WGS 84; Alt is metres above sea level.
type Geo struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	Alt float64 `json:"alt"`
}

// Online and offline, the states of an edge; cameras use them too.
const (
	Online  = "online"
	Offline = "offline"
)

// Camera-only states.
const (
	Connecting = "connecting"
	Disabled   = "disabled"
)

// Camera analysis modes: idle (keyframes, luma only) or active (full rate).
const (
	ModeIdle   = "idle"
	ModeActive = "active"
)

// EdgeStatus is retained on argus/v1/status/edges/{edge}; the offline
// status is the edge's MQTT will.
type EdgeStatus struct {
	Edge    string   `json:"edge"`
	State   string   `json:"state"` // online or offline
	Version string   `json:"version"`
	Cameras []string `json:"cameras"` // ids of the cameras the edge pulls (offline: pulled when last online)
	Load    float64  `json:"load"`    // CPU in use, 1.0 = one core
	// CamerasOnline counts the cameras delivering frames now.
	CamerasOnline int `json:"cameras_online"`
	// MemoryBytes is the edge process's resident memory (RSS).
	MemoryBytes int64 `json:"memory_bytes"`
	// QueueDepth counts the anomalies waiting on the edge's disk for the
	// broker (store and forward).
	QueueDepth int  `json:"queue_depth"`
	Time       Time `json:"time"`
	// Incarnation is the edge process's random id per start: an offline
	// will from an earlier incarnation does not mark a reconnected edge offline.
	Incarnation string `json:"incarnation,omitempty"`
	// Rules is, for every site the edge has cameras of, the rule set
	// versions it runs: the gateway sends again a set an edge missed.
	Rules map[string]RuleVersions `json:"rules,omitempty"`
	// HTTP is the base URL of the edge's HTTP API (its :9100) as the
	// gateway reaches it, http(s)://host:port without a path (the edge's
	// edge.http_url): the gateway fetches recordings and clips there.
	// Empty from an edge older than the field, or one that says none.
	HTTP string `json:"http,omitempty"`
}

// RuleVersions is what an edge runs of one site's rules.
type RuleVersions struct {
	// Live and Shadow are the versions running, 0 for none.
	Live   int `json:"live"`
	Shadow int `json:"shadow"`
	// Refused is set when the edge refused the last set offered: sending
	// it again would not help.
	Refused bool `json:"refused,omitempty"`
}

// CameraStatus is retained on argus/v1/status/cameras/{site}/{camera}.
type CameraStatus struct {
	Site        string  `json:"site"`
	Camera      string  `json:"camera"`
	Edge        string  `json:"edge"`
	State       string  `json:"state"`  // online, offline, connecting or disabled
	Reason      string  `json:"reason"` // why it is not online; empty when online
	Codec       string  `json:"codec"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	FPS         float64 `json:"fps"`
	BitrateKbps float64 `json:"bitrate_kbps"`
	LastFrame   Time    `json:"last_frame,omitzero"` // absent until a first frame
	Mode        string  `json:"mode"`                // idle or active
	// AnalysisFPS is the frames the edge analysed per second over the
	// last second: below the configured rate when it sheds under overload.
	AnalysisFPS float64 `json:"analysis_fps,omitempty"`
	// LagSeconds is how far behind the camera's frames its analysis runs.
	LagSeconds float64 `json:"lag_seconds,omitempty"`
	// ShedFrames counts the frames the analysis shed under overload since
	// the edge started (by reason in the edge's metrics); absent: none.
	ShedFrames uint64 `json:"shed_frames,omitempty"`
	Time       Time   `json:"time"`
	Owner
}

// Command actions the gateway sends on argus/v1/commands/{edge}.
const (
	ActionRelayStart   = "relay_start"
	ActionRelayStop    = "relay_stop"
	ActionPatrolLaunch = "patrol_launch"
	ActionPatrolAbort  = "patrol_abort"
)

// Command asks an edge to act; the edge answers with a Reply carrying the
// same request id on argus/v1/replies/{edge}.
type Command struct {
	RequestID string `json:"request_id"`
	Action    string `json:"action"`
	Camera    string `json:"camera,omitempty"`
	Drone     string `json:"drone,omitempty"`
	// Patrol is the order of a patrol_launch; a patrol_abort names the
	// drone only.
	Patrol *PatrolOrder `json:"patrol,omitempty"`
	// Replay is the order of a replay_start; a replay_cancel gives its id.
	Replay *ReplayOrder `json:"replay,omitempty"`
	// Gateway is the id of the gateway replica sending a relay_start or
	// relay_stop: the edge keeps one uplink per camera and replica, and a
	// relay_stop ends only that replica's. Empty: the single gateway.
	Gateway string `json:"gateway,omitempty"`
	// WHIPURL is the base URL of that replica, where the edge WHIPs the
	// camera (WHIPURL/whip/{camera}); the edge takes it only when it
	// trusts it (edge/relay Trust). Empty: the edge's relay.gateway.
	WHIPURL string `json:"whip_url,omitempty"`
	Time    Time   `json:"time"`
}

// Reply answers a Command: OK, or the error that stopped it.
type Reply struct {
	RequestID string `json:"request_id"`
	Action    string `json:"action"`
	Camera    string `json:"camera,omitempty"`
	Drone     string `json:"drone,omitempty"`
	OK        bool   `json:"ok"`
	Error     string `json:"error,omitempty"`
	Time      Time   `json:"time"`
}
