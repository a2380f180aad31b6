package rtsp

import (
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/rtptime"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// ownTiming times the units, and counts the lost packets, of a pull whose packets the connection takes
// past gortsplib (interleave.go): gortsplib tears its own timing down when
// it closes, while the connection may still hand over packets it had read.
// It does what gortsplib's client does: presentation times from the RTP
// timestamps (rtptime), the camera's time from its latest sender report.
// Only gortsplib's reading goroutine uses it.
type ownTiming struct {
	f    format.Format
	pts  *rtptime.GlobalDecoder2
	sr   *rtcp.SenderReport // the latest, nil before the first
	rate int
	seq  uint16 // of the last packet
	seen bool   // a packet was
}

func newOwnTiming(f format.Format) *ownTiming {
	d := &rtptime.GlobalDecoder2{}
	d.Initialize()
	return &ownTiming{f: f, pts: d, rate: f.ClockRate()}
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

// report takes a sender report. Its times are copied: the report's
// extensions are a slice of a read chunk, which is reused.
func (t *ownTiming) report(sr *rtcp.SenderReport) {
	t.sr = &rtcp.SenderReport{SSRC: sr.SSRC, NTPTime: sr.NTPTime, RTPTime: sr.RTPTime}
}

// times returns pkt's presentation time and the camera's time of it.
func (t *ownTiming) times(pkt *rtp.Packet) (pts int64, okPTS bool, ntp time.Time, okNTP bool) {
	pts, okPTS = t.pts.Decode(t.f, pkt)
	if t.sr == nil || t.sr.SSRC != pkt.SSRC || t.rate == 0 {
		return pts, okPTS, time.Time{}, false
	}
	d := time.Duration(int32(pkt.Timestamp-t.sr.RTPTime)) * time.Second / time.Duration(t.rate)
	return pts, okPTS, ntpTime(t.sr.NTPTime).Add(d), true
}

// ntpTime reads a sender report's NTP time as gortsplib v4.16.2 does (its
// rtcpreceiver), seconds in the high word and nanoseconds in the low one,
// which is how its servers write it (rtcpsender), so that a pull times its
// frames the same whichever path their packets took. RFC 3550 puts a
// binary fraction of a second in the low word.
func ntpTime(v uint64) time.Time {
	return time.Unix(0, int64((v>>32)*1e9+(v&0xffffffff))-2208988800*1e9)
}
