package sfu

import (
	"time"

	"github.com/pion/rtp"
)

// Pacing a viewer. A viewer's client reads from a socket buffer of its
// own (208 KiB by default on Linux, where each 1.3 KiB packet takes about
// 2.3 KiB): what arrives while it is full is lost. Two bursts overflowed
// it: the replay of a camera's cached keyframe group to a joining viewer
// (up to a GOP, 700 packets for 2 s of 4 Mbps, written at once), and the
// group an edge sends at once when its relay starts, forwarded as it came.
// On a 16-tile wall the clients lost 3,000–11,000 packets in the first
// second, and the tiles waited for NACKs or for the camera's next keyframe
// (up to 2.6 s). So a viewer is sent at most paceBurst packets at once and
// paceRate a second beyond that, counted from the feed's flushes (every
// frame, or part of one); what is over waits in the viewer's backlog, in
// order, and goes first at the next flush. Only a viewer's start is paced
// (paceFor, and until its backlog is empty): afterwards its client reads
// as packets come, and a live keyframe (100–200 packets, sent in parts of
// maxFrame) must not wait a frame for credit, which would add tens of
// milliseconds to every keyframe's latency.
const (
	paceBurst = 96
	paceRate  = 4000 // packets a second, about 40 Mbps
	paceFor   = 3 * time.Second
	// maxBacklog bounds what waits: a viewer that far behind (a camera
	// faster than the rate) is sent its backlog at once, as before pacing.
	maxBacklog = 2 * gopMaxPackets
)

// write sends p to the viewer now if its pace allows, else queues it
// behind what waits; the feed's mutex is held. p is never modified.
func (o *outlet) write(p *rtp.Packet) {
	if len(o.backlog) == 0 && (o.unpaced || o.credit >= 1) {
		o.credit--
		o.send(p)
		return
	}
	o.backlog = append(o.backlog, p)
	if len(o.backlog) >= maxBacklog {
		o.log.Warn().Int("packets", len(o.backlog)).Msg("viewer backlog over its bound: sent at once")
		o.sendBacklog(len(o.backlog))
	}
}

// startPace starts pacing a joining viewer, with a full burst.
func (o *outlet) startPace(now time.Time) {
	o.credit, o.pacedAt, o.paceEnd, o.unpaced = paceBurst, now, now.Add(paceFor), false
}

// pace adds the credit earned since the last flush, up to paceBurst, and
// sends what waits as far as it goes; past the viewer's start, with
// nothing waiting, pacing ends. The feed's mutex is held.
func (o *outlet) pace(now time.Time) {
	if o.unpaced {
		return
	}
	o.credit = min(o.credit+now.Sub(o.pacedAt).Seconds()*paceRate, paceBurst)
	o.pacedAt = now
	n := min(len(o.backlog), int(o.credit))
	if n > 0 {
		o.credit -= float64(n)
		o.sendBacklog(n)
	}
	o.unpaced = len(o.backlog) == 0 && now.After(o.paceEnd)
}

// sendBacklog sends the first n packets that wait.
func (o *outlet) sendBacklog(n int) {
	for _, p := range o.backlog[:n] {
		o.send(p)
	}
	rest := copy(o.backlog, o.backlog[n:])
	clear(o.backlog[rest:])
	o.backlog = o.backlog[:rest]
}
