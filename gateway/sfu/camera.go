package sfu

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/rs/zerolog"
)

// keyframeInterval is the shortest interval between two keyframe requests sent to an uplink.
const keyframeInterval = 500 * time.Millisecond

// camera is one relayed camera: its current uplink, the feed its viewers are
// served from, and its viewers. Fields are guarded by Server.mu but for the
// forwarding state, which fwdMu guards: an uplink's packets take only their
// own camera's locks, never the server's.
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
	// current mirrors uplink and feed for the forwarding path, which reads
	// them without Server.mu; set under Server.mu with them (setUplink,
	// setFeed).
	current struct {
		uplink atomic.Pointer[session]
		feed   atomic.Pointer[feed]
	}

	fwdMu sync.Mutex
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

// setUplink attaches ss (nil: none); the caller holds Server.mu.
func (c *camera) setUplink(ss *session) {
	c.uplink = ss
	c.current.uplink.Store(ss)
}

// setFeed replaces the feed (nil: none) and, with a new codec, its clock
// rate; the caller holds Server.mu.
func (c *camera) setFeed(f *feed, clockRate uint32) {
	c.feed = f
	c.current.feed.Store(f)
	c.fwdMu.Lock()
	c.from = nil
	if f != nil {
		c.clockRate = clockRate
	}
	c.fwdMu.Unlock()
}

// rewrite makes pkt, from uplink s, continue the sequence numbers and timestamps
// viewers have seen; it reports false when s is no longer the camera's uplink.
// The caller holds fwdMu.
func (c *camera) rewrite(s *session, pkt *rtp.Packet, now time.Time) bool {
	if s != c.current.uplink.Load() {
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
// The caller holds Server.mu.
func (c *camera) keyframeRequest(now time.Time) (*session, []rtcp.Packet) {
	c.fwdMu.Lock()
	defer c.fwdMu.Unlock()
	if c.uplink == nil || c.from != c.uplink || now.Sub(c.lastPLIAt) < keyframeInterval {
		return nil, nil
	}
	c.lastPLIAt = now
	return c.uplink, []rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: c.ssrc}}
}
