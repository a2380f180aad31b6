// Package configs holds the typed configuration of an Argus edge, its
// loading from YAML, its defaults and its validation, and the credentials
// and URL redaction that go with camera feeds. Errors name the file, the
// line and the field. The demo config ships embedded (demo.yaml).
//
// It imports nothing of edge, gateway or drivers: the edge reads an *Edge
// and wires it to the drivers; the file watcher for live reloads lives apart
// in configs/watch.
package configs

import "github.com/argus-edge/argus/configs/iceservers"

// Edge is the whole configuration of one edge process.
type Edge struct {
	// Edge identifies this edge and where it listens.
	Edge Identity `yaml:"edge"`
	// Ingest holds the pull settings shared by every camera.
	Ingest Ingest `yaml:"ingest"`
	// Sites are the places this edge watches.
	Sites []Site `yaml:"sites"`
	// Cameras are the feeds this edge pulls.
	Cameras []Camera `yaml:"cameras"`
	// MQTT is the broker anomalies and status go to; without a broker the
	// edge only pulls.
	MQTT MQTT `yaml:"mqtt"`
	// Detect configures frame analysis.
	Detect Detect `yaml:"detect"`
	// Relay is how selected cameras reach the command center over WebRTC.
	Relay Relay `yaml:"relay"`
	// Drones are the drones whose MAVLink links this edge holds.
	Drones []Drone `yaml:"drones"`
	// MAVLink secures the drones' links (MAVLink 2 signing).
	MAVLink MAVLink `yaml:"mavlink"`
	// Fleet, when present, makes the edge one of a district's fleet: its
	// cameras come from the gateway's assigner, and Cameras must be empty.
	Fleet *Fleet `yaml:"fleet"`
	// Record is where and how much the edge records (edge/record); each
	// camera's record says what of it.
	Record Record `yaml:"record"`
	// AirspaceDir holds one airspace file per site, <site>.yaml (default
	// configs/sites): geofence, no-fly zones, ceiling and routes, read by
	// configs/airspace.
	AirspaceDir string `yaml:"airspace_dir"`
}

// Drone is one drone whose MAVLink link this edge holds. Its video, when
// it has one, is ingested as a camera whose id is the drone's.
type Drone struct {
	// ID is the drone id, unique among the edge's drones and cameras, used
	// in MQTT topics (argus/v1/drones/{id}/…).
	ID string `yaml:"id"`
	// Site is the id of the site whose airspace the drone flies in.
	Site string `yaml:"site"`
	// Link is the MAVLink endpoint: udps://[host]:port (listen),
	// udpc://host:port (dial), tcps://[host]:port, tcpc://host:port or
	// serial:///dev/ttyX?baud=N. Drones may share a link.
	Link string `yaml:"link"`
	// SystemID is the autopilot's MAVLink system id, 1..250, unique on
	// its link.
	SystemID int `yaml:"system_id"`
	// Video is the RTSP URL of the drone's camera feed, optional.
	Video string `yaml:"video"`
	// Home is the take-off point: lat, lon (WGS 84) and alt (metres above
	// sea level).
	Home *Location `yaml:"home"`
	// MaxSpeed caps the speed of every waypoint, m/s (default 10, at most
	// 25).
	MaxSpeed float64 `yaml:"max_speed"`
	// Endurance is the flight time on a full battery (default 20m); the
	// battery check of the pre-flight reckons with it.
	Endurance Duration `yaml:"endurance"`
}

// Relay configures the WHIP uplink of relayed cameras.
type Relay struct {
	// Gateway is the gateway's base URL, e.g. http://gateway:8080; empty
	// disables relaying (relay_start commands are refused with the reason).
	Gateway string `yaml:"gateway"`
	// Gateways are more gateway base URLs whose replicas a relay_start may
	// name as its WHIP target (bus.Command.WHIPURL): a replica is trusted
	// when its URL has an entry's scheme and port and the entry's host, or
	// an address that host resolves to (a headless Service of the
	// replicas). relay.gateway is always trusted.
	Gateways []string `yaml:"gateways"`
	// TokenEnv names the environment variable holding the edge's bearer
	// token at the gateway.
	TokenEnv string `yaml:"token_env"`
	// IdleTimeout stops a relay nobody has watched for that long (default
	// 60s).
	IdleTimeout Duration `yaml:"idle_timeout"`
	// ICEServers are the STUN/TURN servers the uplink uses to reach the
	// gateway through NAT; TURN passwords come from the variables named.
	ICEServers []iceservers.Entry `yaml:"ice_servers"`
}

// MQTT is the connection to the command center's broker.
type MQTT struct {
	// Broker is the broker URL, tcp://host:port; empty disables MQTT.
	Broker string `yaml:"broker"`
	// Username is the MQTT user name, when it is not a secret.
	Username string `yaml:"username"`
	// UsernameEnv names the environment variable holding the user name
	// (excludes username).
	UsernameEnv string `yaml:"username_env"`
	// PasswordEnv names the environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile is a file holding the password (a mounted Kubernetes
	// Secret), instead of password_env; a final newline is not part of it.
	PasswordFile string `yaml:"password_file"`
	// CAFile is a PEM file of the CA that signed the broker's certificate,
	// for tls://, ssl:// and wss:// brokers; empty uses the system's roots.
	CAFile string `yaml:"ca_file"`
	// QueueDir holds the store-and-forward queue of anomalies not yet
	// acknowledged by the broker (default var/<edge id>/queue).
	QueueDir string `yaml:"queue_dir"`
	// QueueMax bounds that queue in messages; past it the oldest are
	// dropped, counted and logged (default 100000).
	QueueMax int `yaml:"queue_max"`
	// QueueMaxMB bounds it in MiB of queued anomalies, snapshots included,
	// since a start's snapshot makes messages 20–40 KB; past it the oldest
	// are dropped, counted and logged (default 256).
	QueueMaxMB int `yaml:"queue_max_mb"`
	// Inflight is how many queued anomalies may await the broker's PUBACK
	// at once: a backlog drains at up to that many per round trip, in
	// order (default 128; 1 waits for each PUBACK).
	Inflight int `yaml:"inflight"`
}

// Detect configures decoding and detection.
type Detect struct {
	// RulesDir holds one rule set per site, <site>.yaml (default
	// configs/rules). Rule sets also arrive retained on
	// argus/v1/rules/{site}.
	RulesDir string `yaml:"rules_dir"`
	// ModelDir holds detection models, one folder per model card
	// (default: models.DefaultDir, the models/ beside the binary or of
	// the repository, then /usr/share/argus/models).
	ModelDir string `yaml:"model_dir"`
	// IdleFPS is the most frames per second analysed while a camera is
	// quiet: keyframes only, luma only (default 1).
	IdleFPS float64 `yaml:"idle_fps"`
	// ActiveFPS is the analysis rate once motion is seen (default 5).
	ActiveFPS float64 `yaml:"active_fps"`
	// Quiet is how long without motion returns a camera to idle (default
	// 10s).
	Quiet Duration `yaml:"quiet"`
	// Cores is the analysis budget in cores: the scheduler shares the
	// objects detector across cameras within it, by priority (default:
	// every core of the machine).
	Cores float64 `yaml:"cores"`
	// MaxLag is how far behind its frames a camera's analysis may fall
	// before it skips to the next keyframe (default 1s).
	MaxLag Duration `yaml:"max_lag"`
}

// Identity names the edge and its HTTP listener.
type Identity struct {
	// ID is the edge id used in MQTT topics.
	ID string `yaml:"id"`
	// HTTP is the listen address of the edge's status, metrics and health
	// endpoints (default ":9100").
	HTTP string `yaml:"http"`
	// HTTPTokenEnv names the environment variable holding the bearer token
	// every HTTP caller must present, loopback ones too (a browser opens
	// /?token=… once and keeps a cookie); without a token only /healthz
	// answers.
	HTTPTokenEnv string `yaml:"http_token_env"`
	// HTTPURL is the base URL of that HTTP API as the gateway reaches it,
	// http(s)://host:port, announced in the edge's status; "{id}" in it
	// stands for the edge id (a StatefulSet's pods share one file). Empty:
	// http:// and the listen address, loopback when it names no host.
	HTTPURL string `yaml:"http_url"`
}

// Ingest holds the RTSP pull settings shared by all cameras.
type Ingest struct {
	// Reconnect bounds the exponential backoff between pull attempts.
	Reconnect Backoff `yaml:"reconnect"`
	// ReadTimeout fails a pull when the camera answers no request or sends
	// no packet for this long (default 10s).
	ReadTimeout Duration `yaml:"read_timeout"`
	// StallTimeout fails a pull when no complete frame arrives for this long,
	// even if the connection stays up (default 5s).
	StallTimeout Duration `yaml:"stall_timeout"`
	// ConsumerQueue is the number of frames queued per consumer before
	// frames are dropped for it (default 128).
	ConsumerQueue int `yaml:"consumer_queue"`
	// GOPCacheMB bounds the per-camera cache of the current GOP in MiB
	// (default 8).
	GOPCacheMB int `yaml:"gop_cache_mb"`
}

// Backoff is an exponential backoff with jitter.
type Backoff struct {
	// Min is the first delay (default 500ms).
	Min Duration `yaml:"min"`
	// Max is the largest delay (default 30s).
	Max Duration `yaml:"max"`
	// Jitter is the random fraction (0..1) added or removed (default 0.2).
	Jitter float64 `yaml:"jitter"`
}

// Site is a place with cameras, for example a river embankment or a plant.
type Site struct {
	// ID is the site id used in MQTT topics.
	ID string `yaml:"id"`
	// Name is the human name of the site.
	Name string `yaml:"name"`
}

// Camera is one RTSP feed.
type Camera struct {
	// ID is the camera id, unique on the edge, used in MQTT topics.
	ID string `yaml:"id"`
	// Site is the id of the site the camera belongs to.
	Site string `yaml:"site"`
	// Name is the human name of the camera.
	Name string `yaml:"name"`
	// Main is the RTSP URL of the main stream (relayed).
	Main string `yaml:"main"`
	// Sub is the RTSP URL of an optional substream (used for detection).
	Sub string `yaml:"sub"`
	// Transport is tcp (default), udp or auto (UDP, then TCP).
	Transport string `yaml:"transport"`
	// Username is the RTSP user name, when it is not a secret.
	Username string `yaml:"username"`
	// UsernameEnv names the environment variable holding the user name.
	UsernameEnv string `yaml:"username_env"`
	// PasswordEnv names the environment variable holding the password.
	// Passwords are never written inline.
	PasswordEnv string `yaml:"password_env"`
	// Location is where the camera stands, when known.
	Location *Location `yaml:"location"`
	// Disabled keeps the camera in the config without pulling it.
	Disabled bool `yaml:"disabled"`
	// Kind is what sort of camera it is: fixed (the default), ptz, drone
	// or handheld. A ptz, drone or handheld camera moves (IsMoving).
	Kind string `yaml:"kind"`
	// Moving declares that the camera moves by design whatever its kind
	// (a fixed camera on a vehicle's mast): the analysis judges it by
	// rules that know it moves (no camera_tampered from its motion;
	// covered and frozen as for any camera).
	Moving bool `yaml:"moving"`
	// Record is what of the camera the edge keeps on disk.
	Record CameraRecord `yaml:"record"`
}

// Recording modes of a camera (CameraRecord.Mode).
const (
	// RecordOff keeps nothing of the camera, not even event clips.
	RecordOff = "off"
	// RecordEvents keeps a clip of each anomaly only (the default).
	RecordEvents = "events"
	// RecordContinuous keeps everything, in segments, and the clips.
	RecordContinuous = "continuous"
	// RecordSubstream keeps the detection substream continuously (cheap
	// enough to keep long), and cuts the clips from it too.
	RecordSubstream = "substream"
)

// CameraRecord is what of one camera the edge records.
type CameraRecord struct {
	// Mode is off, events (default: a clip per anomaly), continuous or
	// substream (needs sub).
	Mode string `yaml:"mode"`
	// Hours is how long continuous footage is kept (0: until the quota
	// needs its room); only for continuous and substream.
	Hours float64 `yaml:"hours"`
}

// Record is the edge's recording store, shared by its cameras.
type Record struct {
	// Dir holds the recordings (default var/<edge id>/recordings).
	Dir string `yaml:"dir"`
	// QuotaGB bounds the recordings and clips in GB (10^9 bytes); past it
	// the oldest footage goes first, then the oldest clips (0: no bound
	// but the disk's).
	QuotaGB float64 `yaml:"quota_gb"`
	// PreRoll is the video an event clip holds before the anomaly
	// (default 10s, at most 60s): kept in memory per recorded camera.
	PreRoll Duration `yaml:"pre_roll"`
	// PostRoll is the video a clip holds after the anomaly's end (default
	// 10s, at most 5m).
	PostRoll Duration `yaml:"post_roll"`
	// ClipDays is how long clips are kept (default 30), longer than
	// continuous footage.
	ClipDays float64 `yaml:"clip_days"`
}

// Location is a WGS84 position. It is shown in the edge's camera status as
// JSON with the same keys.
type Location struct {
	// Lat is the latitude in degrees.
	Lat float64 `yaml:"lat" json:"lat"`
	// Lon is the longitude in degrees.
	Lon float64 `yaml:"lon" json:"lon"`
	// Alt is the altitude in metres, optional.
	Alt float64 `yaml:"alt" json:"alt"`
}
