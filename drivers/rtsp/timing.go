package rtsp

import (
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/rtptime"
	"github.com/pion/rtp"
)

// ownTiming times the units, and counts the lost packets, of a pull whose packets the connection takes
// past gortsplib (interleave.go): gortsplib tears its own timing down when
// it closes, while the connection may still hand over packets it had read.
// It does what gortsplib's client does: presentation times from the RTP
// timestamps (rtptime); the camera's time comes from its latest sender
// report (ntp.go).
// Only gortsplib's reading goroutine uses it.
type ownTiming struct {
	f      format.Format
	pts    *rtptime.GlobalDecoder2
	sender *senderClock
	seq    uint16 // of the last packet
	seen   bool   // a packet was
}

func newOwnTiming(f format.Format, sender *senderClock) *ownTiming {
	d := &rtptime.GlobalDecoder2{}
	d.Initialize()
	return &ownTiming{f: f, pts: d, sender: sender}
}

// lost counts the packets missing before pkt, as gortsplib's receiver
// does for the packets it sees: a camera's server may drop packets from a
// full queue even over TCP. A jump back (reordering, a restarted sender)
// counts nothing.
func (t *ownTiming) lost(pkt *rtp.Packet, cnt *Counters) {
	if gap := pkt.SequenceNumber - t.seq - 1; t.seen && gap != 0 && gap < 0x8000 {
		cnt.Lost.Add(uint64(gap))
	}
	t.seq, t.seen = pkt.SequenceNumber, true
}

// times returns pkt's presentation time and the camera's time of it.
func (t *ownTiming) times(pkt *rtp.Packet) (pts int64, okPTS bool, ntp time.Time, okNTP bool) {
	pts, okPTS = t.pts.Decode(t.f, pkt)
	ntp, okNTP = t.sender.at(pkt)
	return pts, okPTS, ntp, okNTP
}
