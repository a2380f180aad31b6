package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Camera describes one simulated camera: where it is served, what it shows
// and how it misbehaves.
type Camera struct {
	// Path is the RTSP path without the leading slash, for example
	// "riverside-walk" or "riverside-bridge/main" (one '/' at most).
	Path string
	// Scene is what the camera shows; cameras with equal specs share one
	// encoded scene.
	Scene SceneSpec
	// User and Pass, when User is set, are required from readers with RTSP
	// basic or digest authentication.
	User, Pass string
	// Inband leaves the parameter sets out of the SDP: readers find them
	// only in the stream, before each keyframe.
	Inband bool
	// Flap, when set, takes the camera offline and back on a schedule.
	Flap *Flap
	// StallAfter, when positive, stops the packets that long after start
	// while the sessions stay open.
	StallAfter time.Duration
	// Corrupt is the fraction (0..1) of picture NAL units broken on the
	// way out: bytes flipped or fragments truncated, the RTP stays valid.
	Corrupt float64
	// ClockOffset is how far the camera's clock is from the real time: its
	// RTCP sender reports say frames were taken this much later (earlier
	// when negative), like a camera without NTP.
	ClockOffset time.Duration
	// NanosecondNTP writes the low word of the sender reports' NTP time
	// as nanoseconds, as gortsplib v4's servers do, instead of RFC 3550's
	// binary fraction of a second.
	NanosecondNTP bool
	// SenderReportEvery is the period of the RTCP sender reports (5 s
	// when zero); the first follows the first frame a reader gets.
	SenderReportEvery time.Duration
	// TCPOnly refuses RTP over UDP: SETUP asking for UDP is answered 461
	// Unsupported Transport, as cameras with UDP disabled answer.
	TCPOnly bool
}

// Flap is an online/offline cycle. Offline closes the stream: readers are
// disconnected and DESCRIBE answers 503 until the camera is back.
type Flap struct {
	// Online is how long the camera serves.
	Online time.Duration
	// Offline is how long it is gone.
	Offline time.Duration
}

// Validate reports a camera that cannot be served.
func (c Camera) Validate() error {
	if err := validPath(c.Path); err != nil {
		return err
	}
	if err := c.Scene.WithDefaults().Validate(); err != nil {
		return err
	}
	if c.User == "" && c.Pass != "" {
		return errors.New("password without user")
	}
	if c.Flap != nil && (c.Flap.Online <= 0 || c.Flap.Offline <= 0) {
		return errors.New("flap: online and offline must be positive")
	}
	if c.StallAfter < 0 {
		return errors.New("stall_after must not be negative")
	}
	if c.Corrupt < 0 || c.Corrupt > 1 {
		return fmt.Errorf("corrupt %v: want a fraction 0..1", c.Corrupt)
	}
	return nil
}

func validPath(p string) error {
	parts := strings.Split(p, "/")
	if p == "" || len(parts) > 2 {
		return fmt.Errorf("path %q: want name or name/name", p)
	}
	for _, part := range parts {
		if part == "" || strings.ContainsFunc(part, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r))
		}) {
			return fmt.Errorf("path %q: want letters, digits, '-', '_', '.' around at most one '/'", p)
		}
	}
	return nil
}
