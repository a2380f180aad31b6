package configs

import (
	"runtime"
	"time"
)

// The defaults applied to keys left out of a config. Each keeps a pull
// working on an ordinary LAN camera without tuning.
const (
	// DefaultHTTP is where the edge serves /metrics, /healthz and camera
	// state; 9100 is the port the deployment's scrapers expect.
	DefaultHTTP = ":9100"
	// DefaultReconnectMin is the first delay after a failed pull: short, so
	// a camera that blipped comes back at once.
	DefaultReconnectMin = Duration(500 * time.Millisecond)
	// DefaultReconnectMax caps the backoff so a camera that comes back is
	// pulled again within half a minute.
	DefaultReconnectMax = Duration(30 * time.Second)
	// DefaultJitter spreads reconnects so thousands of cameras behind one
	// switch that rebooted are not all dialled in the same instant.
	DefaultJitter = 0.2
	// DefaultReadTimeout fails a pull whose camera has gone silent.
	DefaultReadTimeout = Duration(10 * time.Second)
	// DefaultStallTimeout fails a pull that still gets packets but no
	// complete frame, which is how some cameras fail.
	DefaultStallTimeout = Duration(5 * time.Second)
	// DefaultConsumerQueue is the frames queued per consumer before that
	// consumer drops frames: about four seconds at 30 fps.
	DefaultConsumerQueue = 128
	// DefaultGOPCacheMB bounds the cache of the current GOP per camera,
	// enough for a 4 s GOP of a 1080p main stream.
	DefaultGOPCacheMB = 8
	// DefaultTransport is RTSP over TCP (interleaved), which passes NAT and
	// firewalls and loses no packets.
	DefaultTransport = "tcp"
	// DefaultQueueMax bounds the store-and-forward queue: a day of a busy
	// site's anomalies while the link to the command center is down.
	DefaultQueueMax = 100000
	// DefaultQueueMaxMB caps the queue's disk: 5,000 to 10,000 anomaly
	// starts with their 20–40 KB snapshots (base64 in the JSON), and far
	// more ends and updates, which carry none.
	DefaultQueueMaxMB = 256
	// DefaultInflight is the store-and-forward sender's window: over a
	// 100 ms round trip it drains a backlog at about 1,100 anomalies a
	// second (one at a time: 10).
	DefaultInflight = 128
	// DefaultRulesDir holds one rule set file per site.
	DefaultRulesDir = "configs/rules"
	// DefaultIdleFPS is the analysis rate of a quiet camera: keyframes only.
	DefaultIdleFPS = 1.0
	// DefaultActiveFPS is the analysis rate once motion is seen: enough to
	// follow a walking person, far below a camera's 15-30 fps.
	DefaultActiveFPS = 5.0
	// DefaultMaxLag bounds how late a camera's analysis may run behind its
	// frames before it skips ahead: a fire's start must reach the console
	// within seconds.
	DefaultMaxLag = Duration(time.Second)
	// DefaultQuiet is how long without motion returns a camera to idle.
	DefaultQuiet = Duration(10 * time.Second)
	// DefaultRelayIdle stops a relay nobody watched for a minute: the
	// uplink to the command center is the scarce link.
	DefaultRelayIdle = Duration(time.Minute)
	// DefaultAirspaceDir holds one airspace file per site (geofence, no-fly
	// zones, ceiling, routes), read by configs/airspace.
	DefaultAirspaceDir = "configs/sites"
	// DefaultDroneMaxSpeed caps a drone's waypoint speeds at 10 m/s, a
	// cruise most multirotors hold with margin in wind.
	DefaultDroneMaxSpeed = 10.0
	// DefaultPreRoll is the video an event clip holds before its anomaly.
	DefaultPreRoll = Duration(10 * time.Second)
	// DefaultPostRoll is the video an event clip holds after its anomaly.
	DefaultPostRoll = Duration(10 * time.Second)
	// DefaultClipDays is how long event clips are kept.
	DefaultClipDays = 30.0
	// DefaultDroneEndurance is 20 minutes on a full battery, a typical
	// mid-size multirotor with a camera: the battery check errs short.
	DefaultDroneEndurance = Duration(20 * time.Minute)
)

// ApplyDefaults fills every zero-valued field that has a default. It is for
// configs built in code; Parse applies defaults only to keys left out, so
// that a zero written explicitly is reported rather than replaced.
func (e *Edge) ApplyDefaults() {
	e.defaults(func(_ string, zero bool) bool { return zero })
}

// defaults applies each default where unset says the field was not given.
func (e *Edge) defaults(unset func(path string, zero bool) bool) {
	if unset("edge.http", e.Edge.HTTP == "") {
		e.Edge.HTTP = DefaultHTTP
	}
	in := &e.Ingest
	if unset("ingest.reconnect.min", in.Reconnect.Min == 0) {
		in.Reconnect.Min = DefaultReconnectMin
	}
	if unset("ingest.reconnect.max", in.Reconnect.Max == 0) {
		in.Reconnect.Max = DefaultReconnectMax
	}
	if unset("ingest.reconnect.jitter", in.Reconnect.Jitter == 0) {
		in.Reconnect.Jitter = DefaultJitter
	}
	if unset("ingest.read_timeout", in.ReadTimeout == 0) {
		in.ReadTimeout = DefaultReadTimeout
	}
	if unset("ingest.stall_timeout", in.StallTimeout == 0) {
		in.StallTimeout = DefaultStallTimeout
	}
	if unset("ingest.consumer_queue", in.ConsumerQueue == 0) {
		in.ConsumerQueue = DefaultConsumerQueue
	}
	if unset("ingest.gop_cache_mb", in.GOPCacheMB == 0) {
		in.GOPCacheMB = DefaultGOPCacheMB
	}
	if unset("mqtt.queue_dir", e.MQTT.QueueDir == "") {
		e.MQTT.QueueDir = "var/" + e.Edge.ID + "/queue"
	}
	if unset("mqtt.queue_max", e.MQTT.QueueMax == 0) {
		e.MQTT.QueueMax = DefaultQueueMax
	}
	if unset("mqtt.queue_max_mb", e.MQTT.QueueMaxMB == 0) {
		e.MQTT.QueueMaxMB = DefaultQueueMaxMB
	}
	if unset("mqtt.inflight", e.MQTT.Inflight == 0) {
		e.MQTT.Inflight = DefaultInflight
	}
	d := &e.Detect
	if unset("detect.rules_dir", d.RulesDir == "") {
		d.RulesDir = DefaultRulesDir
	}
	if unset("detect.idle_fps", d.IdleFPS == 0) {
		d.IdleFPS = DefaultIdleFPS
	}
	if unset("detect.active_fps", d.ActiveFPS == 0) {
		d.ActiveFPS = DefaultActiveFPS
	}
	if unset("detect.quiet", d.Quiet == 0) {
		d.Quiet = DefaultQuiet
	}
	if unset("detect.cores", d.Cores == 0) {
		d.Cores = float64(runtime.NumCPU())
	}
	if unset("detect.max_lag", d.MaxLag == 0) {
		d.MaxLag = DefaultMaxLag
	}
	if unset("relay.idle_timeout", e.Relay.IdleTimeout == 0) {
		e.Relay.IdleTimeout = DefaultRelayIdle
	}
	if e.Fleet != nil {
		e.Fleet.defaults(unset)
	}
	e.Record.defaults(e.Edge.ID, unset)
	if unset("airspace_dir", e.AirspaceDir == "") {
		e.AirspaceDir = DefaultAirspaceDir
	}
	for i := range e.Drones {
		d := &e.Drones[i]
		path := indexPath("drones", i)
		if unset(path+".max_speed", d.MaxSpeed == 0) {
			d.MaxSpeed = DefaultDroneMaxSpeed
		}
		if unset(path+".endurance", d.Endurance == 0) {
			d.Endurance = DefaultDroneEndurance
		}
	}
	for i := range e.Cameras {
		c := &e.Cameras[i]
		if unset(indexPath("cameras", i)+".transport", c.Transport == "") {
			c.Transport = DefaultTransport
		}
		if unset(indexPath("cameras", i)+".record.mode", c.Record.Mode == "") {
			c.Record.Mode = RecordEvents
		}
	}
}

// defaults fills the recording store's unset fields.
func (r *Record) defaults(edge string, unset func(path string, zero bool) bool) {
	if unset("record.dir", r.Dir == "") {
		r.Dir = "var/" + edge + "/recordings"
	}
	if unset("record.pre_roll", r.PreRoll == 0) {
		r.PreRoll = DefaultPreRoll
	}
	if unset("record.post_roll", r.PostRoll == 0) {
		r.PostRoll = DefaultPostRoll
	}
	if unset("record.clip_days", r.ClipDays == 0) {
		r.ClipDays = DefaultClipDays
	}
}
