package rtsp

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// fractionNTP writes t as RFC 3550 does: a binary fraction of a second in
// the low word.
func fractionNTP(t time.Time) uint64 {
	return uint64(t.Unix()+ntpUnixOffset)<<32 | uint64(t.Nanosecond())<<32/1e9
}

// nanosNTP writes t as gortsplib v4's servers do: nanoseconds in the low
// word.
func nanosNTP(t time.Time) uint64 {
	return uint64(t.Unix()+ntpUnixOffset)<<32 | uint64(t.Nanosecond())
}

func TestNTPFormatIsLearned(t *testing.T) {
	base := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	late := base.Add(900 * time.Millisecond)  // a fraction above 10⁹: only RFC 3550 writes it
	early := base.Add(100 * time.Millisecond) // below 10⁹ either way
	for _, tc := range []struct {
		name string
		in   []uint64
		want []time.Time // what each report reads as
	}{
		{"RFC 3550, at once", []uint64{fractionNTP(late)}, []time.Time{late}},
		{"RFC 3550 below 10⁹ is a fraction too", []uint64{fractionNTP(early), fractionNTP(late), fractionNTP(early)}, []time.Time{early, late, early}},
		{"nanoseconds, after eight reports", []uint64{nanosNTP(late), nanosNTP(late), nanosNTP(late), nanosNTP(late), nanosNTP(late), nanosNTP(late), nanosNTP(late), nanosNTP(late), nanosNTP(late)},
			// read as fractions until the eighth: 900,000,000 / 2³² s
			[]time.Time{base.Add(209547579), base.Add(209547579), base.Add(209547579), base.Add(209547579), base.Add(209547579), base.Add(209547579), base.Add(209547579), late, late}},
		{"a fraction above 10⁹ ends nanoseconds for good", append(repeat(nanosNTP(early), 8), fractionNTP(late), fractionNTP(early)),
			append(append(repeat2(base.Add(23283064), 7), early), late, early)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f ntpFormat
			for i, v := range tc.in {
				if got := f.read(v); !got.Equal(tc.want[i]) {
					t.Fatalf("report %d reads %s, want %s", i, got.Format(time.RFC3339Nano), tc.want[i].Format(time.RFC3339Nano))
				}
			}
		})
	}
}

func repeat(v uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func repeat2(v time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestNTPAfter2036 reads a time of NTP's second era (seconds wrapped).
func TestNTPAfter2036(t *testing.T) {
	want := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	var f ntpFormat
	v := uint64(want.Unix()+ntpUnixOffset-1<<32) << 32
	if got := f.read(v); !got.Equal(want) {
		t.Fatalf("reads %s, want %s", got, want)
	}
}

func TestSenderClockTimesPackets(t *testing.T) {
	at := time.Date(2026, 12, 7, 4, 0, 0, 600_000_000, time.UTC)
	c := senderClock{rate: 90000}
	pkt := &rtp.Packet{Header: rtp.Header{SSRC: 7, Timestamp: 1000 + 45000}}
	if _, ok := c.at(pkt); ok {
		t.Fatal("a time before any sender report")
	}
	c.reportAny(&rtcp.SenderReport{SSRC: 7, RTPTime: 1000, NTPTime: fractionNTP(at)})
	got, ok := c.at(pkt)
	if want := at.Add(500 * time.Millisecond); !ok || got.Sub(want).Abs() > time.Microsecond {
		t.Fatalf("packet at %s (%v), want %s", got, ok, want)
	}
	if _, ok := c.at(&rtp.Packet{Header: rtp.Header{SSRC: 8}}); ok {
		t.Fatal("another source's packet timed by this one's report")
	}
}
