package ingest

import (
	"time"

	"github.com/argus-edge/argus/configs"
)

// States of a camera stream.
const (
	StateConnecting = "connecting"
	StateOnline     = "online"
	StateOffline    = "offline"
	StateDisabled   = "disabled"
)

// FeedStatus is the state of one pulled URL (a camera's main or substream).
type FeedStatus struct {
	// URL is the RTSP URL, redacted.
	URL string `json:"url"`
	// State is connecting, online or offline.
	State string `json:"state"`
	// Reason says why the stream is offline.
	Reason string `json:"reason,omitempty"`
	// Since is when the stream entered its state.
	Since time.Time `json:"since"`
	// Codec is h264 or h265 once known.
	Codec string `json:"codec,omitempty"`
	// Width and Height are the picture size once known.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Transport is tcp or udp.
	Transport string `json:"transport,omitempty"`
	// FPS is the measured frame rate over the last sampling period.
	FPS float64 `json:"fps"`
	// BitrateKbps is the measured payload bitrate over the last period.
	BitrateKbps float64 `json:"bitrate_kbps"`
	// LastFrame is the arrival time of the last complete frame.
	LastFrame *time.Time `json:"last_frame,omitempty"`
	// Clock is what times the frames: "rtcp" (the camera's own clock,
	// from its sender reports) or "arrival" (no sender report yet, or the
	// camera's clock is further than rtsp.ClockGuard from the edge's).
	Clock string `json:"clock"`
	// ClockOffsetMs is the camera's clock minus the edge's, network delay
	// included, once a sender report came.
	ClockOffsetMs *int64 `json:"clock_offset_ms,omitempty"`
	// Reconnects counts the pull attempts after the first.
	Reconnects uint64 `json:"reconnects"`
	// NextRetry is when the next attempt starts, while offline.
	NextRetry *time.Time `json:"next_retry,omitempty"`
}

// Status is the state of one camera.
type Status struct {
	// ID is the camera id.
	ID string `json:"id"`
	// Site is the camera's site id.
	Site string `json:"site"`
	// Name is the camera's human name.
	Name string `json:"name,omitempty"`
	// Location is where the camera stands, when known.
	Location *configs.Location `json:"location,omitempty"`
	// State is the main stream's state, or disabled.
	State string `json:"state"`
	// Main is the main stream (relayed).
	Main FeedStatus `json:"main"`
	// Sub is the detection substream, when configured.
	Sub *FeedStatus `json:"sub,omitempty"`
	// Consumers lists the hub consumers of the main stream.
	Consumers []ConsumerStatus `json:"consumers"`
}

// ConsumerStatus is one hub consumer's counters.
type ConsumerStatus struct {
	// Name is the consumer's name.
	Name string `json:"name"`
	// Delivered counts units queued to it.
	Delivered uint64 `json:"delivered"`
	// Dropped counts units it lost to a full queue.
	Dropped uint64 `json:"dropped"`
}

// StateEvent tells that a camera stream changed state.
type StateEvent struct {
	// Camera is the camera id.
	Camera string
	// Stream is the hub stream: the camera id, or id+SubSuffix.
	Stream string
	// State is the new state.
	State string
	// Reason says why, when offline.
	Reason string
	// NextRetry is when the next attempt starts, when offline.
	NextRetry *time.Time
}
