package sim

import (
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/pion/rtcp"
)

// defaultReportEvery is the sender reports' period when the camera sets
// none (live555-based cameras send about one every 5 s).
const defaultReportEvery = 5 * time.Second

// senderReport sends a feed's RTCP sender reports: gortsplib v4's own
// write the NTP fraction as nanoseconds, which no real camera does. Used by
// the feed goroutine only.
type senderReport struct {
	packets, octets uint32
	last            time.Time // when the last report went out
}

// count adds a packet of n payload bytes sent.
func (r *senderReport) count(n int) {
	r.packets++
	r.octets += uint32(n)
}

// send writes a report when one is due: the frame just sent (RTP time ts,
// camera time ntp) anchors it.
func (r *senderReport) send(stream *gortsplib.ServerStream, media *description.Media, cfg *Camera, ssrc, ts uint32, ntp time.Time) {
	every := cfg.SenderReportEvery
	if every <= 0 {
		every = defaultReportEvery
	}
	now := time.Now()
	if !r.last.IsZero() && now.Sub(r.last) < every {
		return
	}
	r.last = now
	sr := &rtcp.SenderReport{SSRC: ssrc, NTPTime: ntpTime(ntp, cfg.NanosecondNTP), RTPTime: ts, PacketCount: r.packets, OctetCount: r.octets}
	stream.WritePacketRTCP(media, sr) //nolint:errcheck // the stream closed: the camera went offline
}

// ntpTime writes t as a sender report's NTP time: seconds since 1900, then
// RFC 3550's binary fraction or, when nanos, nanoseconds.
func ntpTime(t time.Time, nanos bool) uint64 {
	low := uint64(t.Nanosecond()) << 32 / 1e9
	if nanos {
		low = uint64(t.Nanosecond())
	}
	return uint64(t.Unix()+2208988800)<<32 | low
}
