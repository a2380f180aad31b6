package sfu

import (
	"slices"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"
)

// Synthetic RTP payloads (RFC 6184, RFC 7798): only their NAL unit headers
// are read by the cache.
var (
	h264SEI     = []byte{0x06, 0x05}
	h264Params  = []byte{0x78, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce} // STAP-A: SPS, PPS
	h264IDRHead = []byte{0x7c, 0x85, 0x88}                         // FU-A start of an IDR slice
	h264IDRTail = []byte{0x7c, 0x45, 0x88}                         // FU-A end of it
	h264IDR     = []byte{0x65, 0x88}                               // a whole IDR slice
	h264P       = []byte{0x41, 0x9a}                               // a non-IDR slice
	h265Params  = []byte{48 << 1, 1, 0, 3, 0x40, 1, 0, 0, 3, 0x42, 1, 0, 0, 3, 0x44, 1, 0}
	h265IDRHead = []byte{49 << 1, 1, 0x80 | 19, 0xaf}
	h265Trail   = []byte{1 << 1, 1, 0xaf}
)

// in is one packet fed to the cache: its frame's timestamp and payload.
type in struct {
	ts      uint32
	payload []byte
}

func TestGOPCache(t *testing.T) {
	keyframe := func(ts uint32) []in {
		return []in{{ts, h264SEI}, {ts, h264Params}, {ts, h264IDRHead}, {ts, h264IDRTail}}
	}
	cat := func(parts ...[]in) []in { return slices.Concat(parts...) }
	for _, c := range []struct {
		name       string
		h265       bool
		maxPackets int
		feed       []in
		want       []int // indices in feed of the group's packets; nil: nothing to start at
	}{
		{name: "no keyframe yet", feed: []in{{1, h264P}, {2, h264P}}},
		{name: "a group starts at its keyframe's first packet, the SEI",
			feed: cat([]in{{1, h264P}}, keyframe(2), []in{{3, h264P}, {4, h264P}}),
			want: []int{1, 2, 3, 4, 5, 6}},
		{name: "the next keyframe restarts the group",
			feed: cat(keyframe(1), []in{{2, h264P}}, keyframe(3), []in{{4, h264P}}),
			want: []int{5, 6, 7, 8, 9}},
		{name: "a frame of several IDR slices is one keyframe",
			feed: cat(keyframe(1), []in{{1, h264IDR}, {2, h264P}}),
			want: []int{0, 1, 2, 3, 4, 5}},
		{name: "a keyframe without parameter sets is no start",
			feed: cat(keyframe(1), []in{{2, h264P}, {3, h264IDR}, {4, h264P}})},
		{name: "past the packet bound the group is dropped",
			maxPackets: 6, feed: cat(keyframe(1), []in{{2, h264P}, {3, h264P}, {4, h264P}})},
		{name: "and starts again at the next keyframe",
			maxPackets: 6, feed: cat(keyframe(1), []in{{2, h264P}, {3, h264P}, {4, h264P}}, keyframe(5)),
			want: []int{7, 8, 9, 10}},
		{name: "a keyframe larger than the bound is skipped whole",
			maxPackets: 3, feed: cat(keyframe(1), []in{{1, h264IDRHead}, {1, h264IDRTail}, {2, h264P}})},
		{name: "h265", h265: true,
			feed: []in{{1, h265Trail}, {2, h265Params}, {2, h265IDRHead}, {3, h265Trail}},
			want: []int{1, 2, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGOP(c.h265)
			if c.maxPackets > 0 {
				g.maxPackets = c.maxPackets
			}
			var pkts []*rtp.Packet
			for i, p := range c.feed {
				pkts = append(pkts, &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: p.ts}, Payload: p.payload})
				g.add(pkts[i])
			}
			var got []int
			for _, p := range g.group() {
				got = append(got, int(p.SequenceNumber))
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("group: packets %v, want %v", got, c.want)
			}
			if len(g.pkts) > max(c.maxPackets, 8) {
				t.Fatalf("the cache holds %d packets", len(g.pkts))
			}
		})
	}
}

// TestGOPByteBound: the byte bound counts the packets' buffers, as pion
// allocates them, not only their payloads.
func TestGOPByteBound(t *testing.T) {
	g := newGOP(false)
	g.maxBytes = 10 << 10
	mtu := func(b []byte) []byte { return append(make([]byte, 0, 1460), b...) }
	g.add(&rtp.Packet{Header: rtp.Header{Timestamp: 1}, Payload: mtu(h264Params)})
	g.add(&rtp.Packet{Header: rtp.Header{Timestamp: 1}, Payload: mtu(h264IDR)})
	for ts := uint32(2); ts < 6; ts++ {
		g.add(&rtp.Packet{Header: rtp.Header{Timestamp: ts}, Payload: mtu(h264P)})
	}
	if g.group() == nil {
		t.Fatal("6 packets of 1.4 KiB buffers: the group should be kept")
	}
	for ts := uint32(6); ts < 9; ts++ {
		g.add(&rtp.Packet{Header: rtp.Header{Timestamp: ts}, Payload: mtu(h264P)})
	}
	// Only the frame in progress is kept, in case a keyframe starts in it.
	if g.group() != nil || len(g.pkts) > 1 {
		t.Fatalf("9 packets of 1.4 KiB buffers past a 10 KiB bound: group of %d packets, %d packets kept", len(g.group()), len(g.pkts))
	}
}

// TestGOPReset: a new uplink starts without the last one's group.
func TestGOPReset(t *testing.T) {
	g := newGOP(false)
	g.add(&rtp.Packet{Header: rtp.Header{Timestamp: 1}, Payload: h264Params})
	g.add(&rtp.Packet{Header: rtp.Header{Timestamp: 1}, Payload: h264IDR})
	if g.group() == nil {
		t.Fatal("no group after a keyframe")
	}
	g.reset()
	if g.group() != nil {
		t.Fatal("group kept across reset")
	}
}

// TestReplayTimestamps: replayed frames are packed just before the last
// one, which keeps its timestamp (its remaining packets come live).
func TestReplayTimestamps(t *testing.T) {
	g := []*rtp.Packet{
		{Header: rtp.Header{Timestamp: 1000}}, {Header: rtp.Header{Timestamp: 1000}},
		{Header: rtp.Header{Timestamp: 7000}},
		{Header: rtp.Header{Timestamp: 13000}}, {Header: rtp.Header{Timestamp: 13000}},
	}
	var got []uint32
	replay(g, func(p *rtp.Packet) { got = append(got, p.Timestamp) })
	want := []uint32{13000 - 2*replayStep, 13000 - 2*replayStep, 13000 - replayStep, 13000, 13000}
	if !slices.Equal(got, want) {
		t.Fatalf("replay timestamps %v, want %v", got, want)
	}
}

// TestUplinkGoneReleasesGroup: a camera whose uplink stopped holds no
// keyframe group until the next one, unless another uplink took over.
func TestUplinkGoneReleasesGroup(t *testing.T) {
	s := &Server{}
	cam := newCamera("cam1", zerolog.Nop())
	cam.setFeed(newFeed(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}, nil, zerolog.Nop()), 90000)
	cam.feed.forward(&rtp.Packet{Header: rtp.Header{Timestamp: 1}, Payload: h264Params})
	cam.feed.forward(&rtp.Packet{Header: rtp.Header{Timestamp: 1}, Payload: h264IDR})
	gone, next := &session{camera: cam}, &session{camera: cam}

	cam.setUplink(next)
	s.uplinkGone(gone)
	if cam.feed.gop.group() == nil {
		t.Fatal("the group was dropped although another uplink took over")
	}
	cam.setUplink(nil)
	s.uplinkGone(gone)
	if cam.feed.gop.group() != nil {
		t.Fatal("the group outlived the camera's last uplink")
	}
}
