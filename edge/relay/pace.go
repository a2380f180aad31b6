package relay

import "time"

// Pacing a relay's start. The hub hands a new relay the camera's cached
// keyframe group at once (up to a GOP: 700 packets for 2 s of 4 Mbps),
// and a 16-tile wall starts 16 relays together: their groups arrived at
// the gateway's one ICE socket faster than it read them, and its 4 MiB
// receive buffer overflowed (up to 6,300 datagrams dropped over a wall),
// leaving tiles to wait for NACKs or the camera's next keyframe. So what
// had queued when the relay started (the cached group, and the units that
// came while WHIP connected) is sent at most paceBurst packets at once and
// paceRate a second; the live units after it go as they come, unpaced, so
// that a keyframe is never held back.
const (
	paceBurst = 64
	paceRate  = 4000 // packets a second, about 40 Mbps: a 2 s group in ~0.2 s
	// paceStep is the credit a pause waits for: one sleep per this many
	// packets rather than one per packet.
	paceStep = 32
)

// pacer is a token bucket for the packets of a relay's backlog.
type pacer struct {
	credit float64
	at     time.Time
	sleep  func(time.Duration) // time.Sleep; tests count instead
}

// newPacer starts with a full burst at now.
func newPacer(now time.Time) *pacer {
	return &pacer{credit: paceBurst, at: now, sleep: time.Sleep}
}

// take returns once a packet may go, pausing as needed.
func (p *pacer) take(now time.Time) {
	p.refill(now)
	if p.credit < 1 {
		d := time.Duration((paceStep - p.credit) / paceRate * float64(time.Second))
		p.sleep(d)
		p.refill(now.Add(d))
	}
	p.credit--
}

// refill adds the credit earned since the last refill, up to paceBurst.
func (p *pacer) refill(now time.Time) {
	if now.After(p.at) {
		p.credit = min(p.credit+now.Sub(p.at).Seconds()*paceRate, paceBurst)
		p.at = now
	}
}
