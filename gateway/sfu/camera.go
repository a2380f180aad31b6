package sfu

import (
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/rs/zerolog"
)

// keyframeInterval is the shortest interval between two keyframe requests sent to an uplink.
const keyframeInterval = 500 * time.Millisecond

// camera is one relayed camera: its current uplink, the feed its viewers are
// served from, and its viewers. All fields are guarded by Server.mu.
type camera struct {
	id  string
	log zerolog.Logger
	// feed is created on the first uplink and kept across uplink
	// replacement, unless the codec changes.
	feed *feed
	// uplink is the current WHIP session, nil when none.
	uplink *session
	// ready is closed while an uplink is attached; replaced when it detaches.
	ready   chan struct{}
	viewers map[string]*session
	// resuming is set while a goroutine asks for a lost uplink again (resume.go).
	resuming bool

	// Rewriting state so viewers see one continuous stream across uplinks.
	from      *session // uplink of the last forwarded packet
	seqOff    uint16
	tsOff     uint32
	lastSeq   uint16
	lastTS    uint32
	lastAt    time.Time
	clockRate uint32
	// ssrc is the uplink's media SSRC, for keyframe requests.
	ssrc      uint32
	lastPLIAt time.Time
}

func newCamera(id string, log zerolog.Logger) *camera {
	return &camera{id: id, log: log.With().Str("camera", id).Logger(), ready: make(chan struct{}), viewers: map[string]*session{}}
}

// rewrite makes pkt, from uplink s, continue the sequence numbers and timestamps
// viewers have seen; it reports false when s is no longer the camera's uplink.
func (c *camera) rewrite(s *session, pkt *rtp.Packet, now time.Time) bool {
	if s != c.uplink {
		return false
	}
	if s != c.from {
		if c.from != nil {
			elapsed := now.Sub(c.lastAt)
			c.seqOff = c.lastSeq + 1 - pkt.SequenceNumber
			c.tsOff = c.lastTS + uint32(elapsed.Seconds()*float64(c.clockRate)) + 1 - pkt.Timestamp
		}
		c.from = s
		c.ssrc = pkt.SSRC
	}
	pkt.SequenceNumber += c.seqOff
	pkt.Timestamp += c.tsOff
	// Header extension ids were negotiated with the uplink, not with the viewers.
	pkt.Extension = false
	pkt.Extensions = nil
	c.lastSeq, c.lastTS, c.lastAt = pkt.SequenceNumber, pkt.Timestamp, now
	return true
}

// keyframeRequest returns the uplink and a PLI to send it, or nil when none is
// attached, no packet has arrived yet, or one was sent within keyframeInterval.
func (c *camera) keyframeRequest(now time.Time) (*session, []rtcp.Packet) {
	if c.uplink == nil || c.from != c.uplink || now.Sub(c.lastPLIAt) < keyframeInterval {
		return nil, nil
	}
	c.lastPLIAt = now
	return c.uplink, []rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: c.ssrc}}
}
