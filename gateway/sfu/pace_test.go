package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"
)

// TestPaceViewerStart: a joining viewer is sent a burst of paceBurst
// packets, then paceRate a second counted at each flush, the rest waiting
// in order; once its start is over and nothing waits, packets go at once.
// The outlet's track has no PeerConnection (its writes go nowhere): what is
// checked is what waits.
func TestPaceViewerStart(t *testing.T) {
	f := newFeed(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, nil, zerolog.Nop())
	o, err := f.outlet("cam1", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1000, 0)
	o.startPace(t0)
	var seq uint16
	write := func(n int) {
		for range n {
			o.write(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq}})
			seq++
		}
	}
	steps := []struct {
		name      string
		write     int
		at        time.Duration // pace at t0+at before writing
		wantWaits int
	}{
		{"a replay of 300: a burst goes", 300, 0, 300 - paceBurst},
		{"10 ms later: 40 more", 0, 10 * time.Millisecond, 300 - paceBurst - 40},
		{"live packets queue behind", 10, 10 * time.Millisecond, 310 - paceBurst - 40},
		{"1 s later: a burst at most", 0, time.Second, 310 - 2*paceBurst - 40},
		{"2 s later: the rest", 0, 2 * time.Second, 0},
		{"within its start, a large frame still waits", 200, 2100 * time.Millisecond, 200 - paceBurst},
		{"past its start, still paced while packets wait", 0, paceFor + time.Second, 200 - 2*paceBurst},
		{"drained", 0, paceFor + 2*time.Second, 0},
		{"then a keyframe of 500 goes at once", 500, paceFor + 2*time.Second, 0},
	}
	for _, s := range steps {
		o.pace(t0.Add(s.at))
		write(s.write)
		if len(o.backlog) != s.wantWaits {
			t.Fatalf("%s: %d packets wait, want %d", s.name, len(o.backlog), s.wantWaits)
		}
		for i := 1; i < len(o.backlog); i++ {
			if o.backlog[i].SequenceNumber != o.backlog[i-1].SequenceNumber+1 {
				t.Fatalf("%s: backlog out of order at %d", s.name, i)
			}
		}
	}
}
