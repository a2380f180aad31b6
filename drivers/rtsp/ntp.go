package rtsp

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// ntpUnixOffset is 1970 minus 1900, NTP's epoch, in seconds.
const ntpUnixOffset = 2208988800

// nanosAfter is how many sender reports in a row must carry a low word
// below 10⁹ before a camera is taken to write nanoseconds there. A binary
// fraction is below 10⁹ 23% of the time: eight in a row happen once in
// 100,000 reports, and the next report above corrects it for good.
const nanosAfter = 8

// The ways a sender report's low word of the NTP time is written.
const (
	lowUnknown  = iota // no report above 10⁹ yet, too few below
	lowFraction        // RFC 3550: a binary fraction of a second
	lowNanos           // nanoseconds, as gortsplib v4's servers write it
)

// ntpFormat learns how a camera writes its sender reports' NTP times and
// reads them. RFC 3550 puts a binary fraction of a second in the low word;
// gortsplib v4 (its servers write, and its clients read, nanoseconds there)
// got it wrong, and read with its reader a real camera's frames were up to
// 4.3 s off. A fraction is assumed until the camera shows otherwise.
type ntpFormat struct {
	low   int
	below int // reports in a row with a low word below 10⁹
}

// read returns the time v says, learning the format from it.
func (f *ntpFormat) read(v uint64) time.Time {
	sec, low := v>>32, v&0xffffffff
	switch {
	case low >= 1e9:
		f.low = lowFraction
	case f.low == lowUnknown:
		if f.below++; f.below >= nanosAfter {
			f.low = lowNanos
		}
	}
	// RFC 4330's rule for the era: seconds with the top bit clear are
	// after 2036.
	if sec < 1<<31 {
		sec += 1 << 32
	}
	ns := (low*1e9 + 1<<31) >> 32 // rounded: a fraction written from nanoseconds reads back exactly
	if f.low == lowNanos {
		ns = low
	}
	return time.Unix(int64(sec)-ntpUnixOffset, int64(ns))
}

// anchor ties a sender's RTP clock to its wall clock, from a sender report.
type anchor struct {
	ssrc uint32
	rtp  uint32
	ntp  time.Time
}

// senderClock gives the camera's time of a packet from its latest sender
// report. report runs on the goroutine reading RTCP, at on the one reading
// RTP (over UDP they differ).
type senderClock struct {
	rate   int
	format ntpFormat // report's goroutine only
	last   atomic.Pointer[anchor]
}

// report takes a sender report.
func (c *senderClock) report(sr *rtcp.SenderReport) {
	c.last.Store(&anchor{ssrc: sr.SSRC, rtp: sr.RTPTime, ntp: c.format.read(sr.NTPTime)})
}

// reportAny takes the sender reports among gortsplib's RTCP packets.
func (c *senderClock) reportAny(pkt rtcp.Packet) {
	if sr, ok := pkt.(*rtcp.SenderReport); ok {
		c.report(sr)
	}
}

// at returns the camera's time of pkt; false before a report of its
// source.
func (c *senderClock) at(pkt *rtp.Packet) (time.Time, bool) {
	a := c.last.Load()
	if a == nil || a.ssrc != pkt.SSRC || c.rate == 0 {
		return time.Time{}, false
	}
	d := time.Duration(int32(pkt.Timestamp-a.rtp)) * time.Second / time.Duration(c.rate)
	return a.ntp.Add(d), true
}
