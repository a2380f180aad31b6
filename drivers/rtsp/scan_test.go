package rtsp

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/pion/rtp"
)

// The scan is checked against gortsplib's depacketizer on packets made by
// gortsplib's own packetizers (single NAL units, aggregates, fragments):
// the units it finds must be the ones the depacketizer yields, and every
// stream the depacketizer would treat specially must send the pull there.
// The NAL units are synthetic bytes with real headers: nothing decodes them.

func nalu(hdr []byte, size int) []byte {
	b := append([]byte(nil), hdr...)
	for len(b) < size {
		b = append(b, byte(len(b)*7+1)|0x10) // never 00 00 00 01
	}
	return b
}

// stream264 is three units: a keyframe with its parameter sets in-band
// (SPS and PPS aggregated, the IDR fragmented), a small inter frame in one
// packet, a large one in fragments.
func stream264(t *testing.T) ([][][]byte, []*rtp.Packet) {
	aus := [][][]byte{
		{nalu([]byte{0x67, 0x42}, 20), nalu([]byte{0x68}, 6), nalu([]byte{0x65, 0x88}, 5000)},
		{nalu([]byte{0x41, 0x9a}, 300)},
		{nalu([]byte{0x41, 0x9b}, 4000)},
	}
	e := &rtph264.Encoder{PayloadType: 96, PayloadMaxSize: 1400, PacketizationMode: 1}
	return aus, encodeAll(t, e.Init, e.Encode, aus)
}

func stream265(t *testing.T) ([][][]byte, []*rtp.Packet) {
	aus := [][][]byte{
		{nalu([]byte{0x40, 0x01}, 20), nalu([]byte{0x42, 0x01}, 30), nalu([]byte{0x44, 0x01}, 6), nalu([]byte{0x26, 0x01}, 5000)},
		{nalu([]byte{0x02, 0x01}, 300)},
		{nalu([]byte{0x02, 0x01}, 4000)},
	}
	e := &rtph265.Encoder{PayloadType: 96, PayloadMaxSize: 1400}
	return aus, encodeAll(t, e.Init, e.Encode, aus)
}

func encodeAll(t *testing.T, init func() error, encode func([][]byte) ([]*rtp.Packet, error), aus [][][]byte) []*rtp.Packet {
	t.Helper()
	if err := init(); err != nil {
		t.Fatal(err)
	}
	var out []*rtp.Packet
	for i, au := range aus {
		pkts, err := encode(au)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			p.Timestamp = uint32(i * 6000)
		}
		out = append(out, pkts...)
	}
	for i, p := range out {
		p.SequenceNumber = uint16(100 + i)
	}
	return out
}

// scanned runs the scan over pkts, the first packet after a unit's end,
// and returns each unit's packets, key flag and in-band SPS, or the index
// of the packet that needed the depacketizer.
type scannedUnit struct {
	pkts []*rtp.Packet
	key  bool
	sps  []byte
}

func scanAll(h265 bool, pkts []*rtp.Packet) (units []scannedUnit, slowAt int) {
	units, slowAt, _ = scanLosing(h265, pkts)
	return units, slowAt
}

// scanLosing is scanAll that also counts the units lost to missing
// fragments.
func scanLosing(h265 bool, pkts []*rtp.Packet) (units []scannedUnit, slowAt, lost int) {
	s := scan{h265: h265, synced: true}
	var cur []*rtp.Packet
	for i, p := range pkts {
		switch s.packet(p, len(cur) == 0) {
		case vSlow:
			return units, i, lost
		case vLost:
			lost++
			cur = nil
		case vSkip:
			continue
		case vMore:
			cur = append(cur, p)
		case vDone:
			units = append(units, scannedUnit{pkts: append(cur, p), key: s.key, sps: s.sps})
			cur = nil
			s.start()
		}
	}
	return units, -1, lost
}

// A lost fragment (UDP) costs its unit, as in the depacketizer, and the
// scan goes on with the next unit instead of giving up.
func TestScanDropsAUnitWithALostFragment(t *testing.T) {
	aus, pkts := stream264(t)
	// 1–4 are the keyframe's fragments: lose 3
	units, slow, lost := scanLosing(false, append(pkts[:3:3], pkts[4:]...))
	if slow >= 0 || lost != 1 || len(units) != 2 {
		t.Fatalf("%d units, %d lost, slow at %d; want the 2 after the damaged one, 1 lost, the scan going on", len(units), lost, slow)
	}
	track := &h264Track{f: &format.H264{PacketizationMode: 1}}
	for i, u := range units {
		if got := track.assemble(u.pkts); !reflect.DeepEqual(got, aus[i+1]) {
			t.Fatalf("unit %d after the loss is not the one sent", i)
		}
	}
}

func TestScanFindsTheUnitsTheDepacketizerYields(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h265   bool
		stream func(*testing.T) ([][][]byte, []*rtp.Packet)
		track  track
	}{
		{"h264", false, stream264, &h264Track{f: &format.H264{PacketizationMode: 1}}},
		{"h265", true, stream265, &h265Track{f: &format.H265{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aus, pkts := tc.stream(t)
			units, slow := scanAll(tc.h265, pkts)
			if slow >= 0 || len(units) != len(aus) {
				t.Fatalf("scan found %d units (slow at packet %d), want %d", len(units), slow, len(aus))
			}
			kinds := map[string]bool{}
			for _, p := range pkts {
				kinds[packetKind(tc.h265, p.Payload)] = true
			}
			if !kinds["single"] || !kinds["aggregate"] || !kinds["fragment"] {
				t.Fatalf("the stream should hold every kind of packet, has %v", kinds)
			}
			for i, u := range units {
				got := tc.track.assemble(u.pkts)
				if !reflect.DeepEqual(got, aus[i]) {
					t.Fatalf("unit %d assembled to %d NAL units, want the %d sent", i, len(got), len(aus[i]))
				}
				if u.key != (i == 0) {
					t.Fatalf("unit %d key %v", i, u.key)
				}
			}
			wantSPS := aus[0][0]
			if tc.h265 {
				wantSPS = aus[0][1]
			}
			if !bytes.Equal(units[0].sps, wantSPS) {
				t.Fatal("the keyframe's in-band SPS was not found")
			}
		})
	}
}

func packetKind(h265 bool, pl []byte) string {
	s := scan{h265: h265}
	switch s.typeOf(pl) {
	case h264FUA, h265FU:
		return "fragment"
	case h264STAPA, h265AP:
		return "aggregate"
	}
	return "single"
}

func TestScanLeavesTheUnusualToTheDepacketizer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		breaks func([]*rtp.Packet) []*rtp.Packet
	}{
		{"no marker bits", func(p []*rtp.Packet) []*rtp.Packet {
			for _, q := range p {
				q.Marker = false
			}
			return p
		}},
		{"Annex-B inside RTP", func(p []*rtp.Packet) []*rtp.Packet {
			last := p[len(p)-1]
			last.Payload = append([]byte{0x41, 0, 0, 0, 1}, nalu([]byte{0x41}, 50)...)
			return p
		}},
		{"forbidden bit", func(p []*rtp.Packet) []*rtp.Packet {
			p[5].Payload[0] |= 0x80 // the small inter frame's single packet
			return p
		}},
		{"STAP-B, not supported", func(p []*rtp.Packet) []*rtp.Packet {
			p[len(p)-1].Payload[0] = 0x19
			return p
		}},
		{"a fragmented SPS", func(p []*rtp.Packet) []*rtp.Packet {
			p[1].Payload[1] = p[1].Payload[1]&0xe0 | 7 // the keyframe's first fragment
			return p
		}},
		{"an aggregate that overruns", func(p []*rtp.Packet) []*rtp.Packet {
			p[0].Payload = append([]byte(nil), p[0].Payload[:len(p[0].Payload)-3]...)
			return p
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, pkts := stream264(t)
			// 0: STAP-A (SPS, PPS); 1–4: the IDR's fragments; 5: the small
			// inter frame; 6–8: the large one's fragments
			if len(pkts) != 9 || pkts[0].Payload[0]&0x1f != h264STAPA || pkts[1].Payload[0]&0x1f != h264FUA ||
				pkts[1].Payload[1]&0x80 == 0 || pkts[5].Payload[0]&0x1f != 1 {
				t.Fatal("the stream's layout changed: the cases break the wrong packets")
			}
			if _, slow := scanAll(false, tc.breaks(pkts)); slow < 0 {
				t.Fatal("the scan went on where the depacketizer should take over")
			}
		})
	}
}

func TestScanSkipsToTheFirstUnitEnd(t *testing.T) {
	_, pkts := stream264(t)
	s := scan{}
	var skipped int
	for _, p := range pkts[3:] { // joins mid-keyframe
		if s.packet(p, false) != vSkip {
			break
		}
		skipped++
	}
	if !s.synced || pkts[3+skipped-1].Marker != true {
		t.Fatalf("scan synced=%v after %d packets, want it to start after the keyframe's last", s.synced, skipped)
	}
}
