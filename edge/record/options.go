package record

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/edge/hub"
)

// Recording modes of a camera.
const (
	// ModeOff records nothing, not even clips.
	ModeOff = "off"
	// ModeEvents keeps clips of the camera's anomalies only.
	ModeEvents = "events"
	// ModeContinuous keeps segments of everything, and clips.
	ModeContinuous = "continuous"
)

// Policy is how one camera is recorded.
type Policy struct {
	// Mode is ModeOff, ModeEvents or ModeContinuous.
	Mode string
	// Keep is how long continuous segments are kept (0: until the quota
	// needs their room).
	Keep time.Duration
	// Stream is the hub stream recorded, segments and clips alike: the
	// camera's id (the default), or its detection substream's, cheaper to
	// keep for long.
	Stream string
	// Patrols records the camera (a drone's video) through every patrol
	// of its drone, whatever Mode says (see Recorder.ObservePatrol).
	Patrols bool
}

// Options configure a Recorder; zero values take the defaults.
type Options struct {
	// Dir is the edge's recordings folder: <dir>/<camera>/segments and
	// <dir>/<camera>/clips/<anomaly id>.
	Dir string
	// Hub is where the cameras' streams are read.
	Hub *hub.Hub
	// Log receives what goes wrong, once per burst for a full disk.
	Log zerolog.Logger
	// Quota bounds the bytes of every recording and clip of the edge
	// (0: no bound but the disk's).
	Quota int64
	// PreRoll is the video a clip holds before the anomaly (default 10s).
	PreRoll time.Duration
	// PostRoll is the video a clip holds after the anomaly's end (default 10s).
	PostRoll time.Duration
	// MaxClip bounds a clip's length from the anomaly's start (default 5m).
	MaxClip time.Duration
	// MaxPatrol bounds a patrol's video from its take-off (default 4h).
	MaxPatrol time.Duration
	// ClipKeep is how long clips are kept (default 30 days).
	ClipKeep time.Duration
	// Segment is the length of a continuous segment (default 10s); a
	// segment ends at the first keyframe past it.
	Segment time.Duration
	// PruneEvery is how often retention runs (default 30s).
	PruneEvery time.Duration
	// Stall is how long a camera may send nothing before its open files
	// are closed (they become visible and durable) and an anomaly whose
	// frame the video never reached is cut from what the ring holds, as
	// for a camera that went offline (default 5s).
	Stall time.Duration
}

// ringSlack is how much more than the pre-roll the ring holds: the
// analysis reports an anomaly after its frame, by up to its lag.
const ringSlack = 5 * time.Second

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PreRoll, 10*time.Second)
	def(&o.PostRoll, 10*time.Second)
	def(&o.MaxClip, 5*time.Minute)
	def(&o.MaxPatrol, 4*time.Hour)
	def(&o.ClipKeep, 30*24*time.Hour)
	def(&o.Segment, 10*time.Second)
	def(&o.PruneEvery, 30*time.Second)
	def(&o.Stall, 5*time.Second)
}
