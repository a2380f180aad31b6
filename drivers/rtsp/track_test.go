package rtsp

import (
	"testing"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// A real 640x360 H.264 SPS and PPS (from x264) for seeds and checks.
var (
	sps264 = []byte{0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x1e, 0x0f, 0x16, 0x2d, 0x96}
	pps264 = []byte{0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0}
)

func sessionOf(f format.Format) *description.Session {
	return &description.Session{Medias: []*description.Media{{Type: description.MediaTypeVideo, Formats: []format.Format{f}}}}
}

func TestKeyframeGetsParameterSetsFromSDP(t *testing.T) {
	_, _, tr, err := newTrack(sessionOf(&format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: sps264, PPS: pps264}))
	if err != nil {
		t.Fatal(err)
	}
	idr := []byte{0x65, 0x88, 0x84}
	key, au, changed := tr.keyframe([][]byte{idr})
	if !key || changed || len(au) != 3 || au[0][0] != 0x67 || au[1][0] != 0x68 || au[2][0] != 0x65 {
		t.Fatalf("key %v changed %v au %x", key, changed, au)
	}
	if w, h := tr.size(); w != 640 || h != 360 {
		t.Fatalf("size %dx%d, want 640x360", w, h)
	}
	key, au, _ = tr.keyframe([][]byte{{0x41, 0x9a}})
	if key || len(au) != 1 {
		t.Fatalf("non-IDR unit changed: key %v, %d NALUs", key, len(au))
	}
}

func TestInBandParameterSetsAreLearned(t *testing.T) {
	f := &format.H264{PayloadTyp: 96, PacketizationMode: 1} // SDP without sprop
	_, _, tr, err := newTrack(sessionOf(f))
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := tr.size(); w != 0 {
		t.Fatal("size known before any SPS")
	}
	key, au, changed := tr.keyframe([][]byte{sps264, pps264, {0x65, 0x88}})
	if !key || !changed || len(au) != 3 {
		t.Fatalf("key %v changed %v, %d NALUs", key, changed, len(au))
	}
	if w, h := tr.size(); w != 640 || h != 360 {
		t.Fatalf("size %dx%d after in-band SPS", w, h)
	}
	// a later IDR without parameter sets gets the learned ones
	_, au, changed = tr.keyframe([][]byte{{0x65, 0x88}})
	if changed || len(au) != 3 {
		t.Fatalf("changed %v, %d NALUs; want the learned SPS/PPS prepended", changed, len(au))
	}
}

// FuzzTrack feeds arbitrary RTP payloads, as a broken camera would send,
// through the H.264 and H.265 depacketizers and parameter-set handling: no
// input may panic.
func FuzzTrack(f *testing.F) {
	f.Add(true, []byte{0x65, 0x88, 0x84})
	f.Add(true, append([]byte{0x78}, append([]byte{0x00, byte(len(sps264))}, sps264...)...)) // STAP-A
	f.Add(true, []byte{0x7c, 0x85, 0x01, 0x02})                                              // FU-A start
	f.Add(false, []byte{0x40, 0x01, 0x0c, 0x01})                                             // H.265 VPS
	f.Add(false, []byte{0x62, 0x01, 0x93, 0xaa})                                             // H.265 FU
	f.Fuzz(func(t *testing.T, h264 bool, payload []byte) {
		var forma format.Format = &format.H265{PayloadTyp: 96}
		if h264 {
			forma = &format.H264{PayloadTyp: 96, PacketizationMode: 1}
		}
		_, _, tr, err := newTrack(sessionOf(forma))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 { // the same payload thrice, to exercise fragments
			au, err := tr.decode(&rtp.Packet{Header: rtp.Header{Marker: i == 2, SequenceNumber: uint16(i)}, Payload: payload})
			if err != nil || au == nil {
				continue
			}
			tr.keyframe(au)
			tr.size()
		}
	})
}

func TestBrokenNALUnitsAreRefused(t *testing.T) {
	cases := []struct {
		h264 bool
		au   [][]byte
		ok   bool
	}{
		{true, [][]byte{sps264, pps264, {0x65, 0x88}}, true},
		{true, [][]byte{{0x1f, 0x00}}, false},       // type 31
		{true, [][]byte{{0xe5, 0x88}}, false},       // forbidden bit
		{true, [][]byte{{}}, false},                 // empty
		{false, [][]byte{{0x26, 0x01, 0xaf}}, true}, // IDR_W_RADL
		{false, [][]byte{{0x60, 0x01}}, false},      // type 48
		{false, [][]byte{{0x26, 0x00}}, false},      // temporal id plus one 0
		{false, [][]byte{{0x26}}, false},            // short header
	}
	for i, c := range cases {
		check := checkH265
		if c.h264 {
			check = checkH264
		}
		if err := check(c.au); (err == nil) != c.ok {
			t.Errorf("case %d: error %v, want ok=%v", i, err, c.ok)
		}
	}
}
