package rtsp

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// The interleaved reader is fed a made-up RTSP session's bytes (responses
// with and without bodies, a request from the server, RTCP, RTP of the
// video and of another track, noise) in pieces of random sizes, as TCP
// may deliver them. What gortsplib reads must be the session's bytes
// without the video's packets, but for the first one, plus keep-alives;
// the packets taken must be the video's, in order, with their payloads.

func frame(channel byte, payload []byte) []byte {
	f := []byte{'$', channel, 0, 0}
	binary.BigEndian.PutUint16(f[2:], uint16(len(payload)))
	return append(f, payload...)
}

func rtpPayload(t *testing.T, ssrc uint32, seq uint16, pt uint8, size int) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, SSRC: ssrc, Timestamp: uint32(seq) * 3000},
		Payload: bytes.Repeat([]byte{byte(seq)}, size)}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pieces reads its data in random pieces of 1 to 3000 bytes.
type pieces struct {
	data []byte
	rnd  *rand.Rand
}

func (p *pieces) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(b), len(p.data), 1+p.rnd.IntN(3000))
	copy(b, p.data[:n])
	p.data = p.data[n:]
	return n, nil
}

func TestInterleavedTakesTheVideoPacketsAndPassesTheRest(t *testing.T) {
	var session, wantGortsplib bytes.Buffer
	add := func(b []byte, passes bool) {
		session.Write(b)
		if passes {
			wantGortsplib.Write(b)
		}
	}
	add([]byte("RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 12345678\r\n\r\n"), true) // PLAY's answer
	var wantTaken []uint16
	for seq := uint16(1); seq <= 400; seq++ {
		video := frame(0, rtpPayload(t, 0xabc, seq, 96, 100+int(seq)*7%1400))
		add(video, seq == 1) // gortsplib learns the source from its first packet
		if seq > 1 {
			wantTaken = append(wantTaken, seq)
		}
		switch seq % 50 {
		case 10:
			sr, err := (&rtcp.SenderReport{SSRC: 0xabc, NTPTime: uint64(seq) << 32, RTPTime: uint32(seq) * 3000}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			add(frame(1, sr), true)
		case 20:
			add(frame(2, rtpPayload(t, 0xdef, seq, 97, 200)), true) // another track's RTP
		case 30:
			add([]byte("RTSP/1.0 200 OK\r\nCSeq: 5\r\ncontent-length: 12\r\n\r\n$not a frame"), true) // a body holding a '$'
		case 40:
			add([]byte("GET_PARAMETER rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\n\r\n"), true)
		case 45:
			add([]byte{0, 0x17}, true) // noise between frames
		}
	}
	add(frame(0, rtpPayload(t, 0xfff, 401, 96, 300)), true) // a new source: gortsplib learns it
	for seed := range uint64(5) {
		rnd := rand.New(rand.NewPCG(seed, 1))
		var taken []*rtp.Packet
		in := newInterleaved(&pieces{data: session.Bytes(), rnd: rnd}, nil)
		in.every = 0 // a keep-alive after each packet taken (a second in a pull)
		var reports int
		in.take(0, 96, func(p *rtp.Packet, c *chunk) { c.hold(); taken = append(taken, p) }, func(*rtcp.SenderReport) { reports++ })
		var got bytes.Buffer
		buf := make([]byte, 4096)
		for {
			n, err := in.Read(buf[:1+rnd.IntN(len(buf))])
			got.Write(buf[:n])
			if err != nil {
				break
			}
		}
		if len(taken) != len(wantTaken) {
			t.Fatalf("seed %d: %d packets taken, want %d", seed, len(taken), len(wantTaken))
		}
		for i, p := range taken {
			if p.SequenceNumber != wantTaken[i] || len(p.Payload) != 100+int(p.SequenceNumber)*7%1400 || p.Payload[0] != byte(p.SequenceNumber) {
				t.Fatalf("seed %d: packet %d is seq %d with %d bytes, want seq %d", seed, i, p.SequenceNumber, len(p.Payload), wantTaken[i])
			}
		}
		if reports != 8 {
			t.Fatalf("seed %d: %d sender reports seen, want the 8 sent", seed, reports)
		}
		if rest := withoutKeepAlives(t, got.Bytes()); !bytes.Equal(rest, wantGortsplib.Bytes()) {
			t.Fatalf("seed %d: gortsplib read %d bytes (keep-alives apart), want the session's %d but the packets taken", seed, len(rest), wantGortsplib.Len())
		}
	}
}

// withoutKeepAlives removes the reader's keep-alives (an empty RTCP RR on
// the video's RTCP channel, 1) from what gortsplib read, checking there is
// at least one.
func withoutKeepAlives(t *testing.T, b []byte) []byte {
	t.Helper()
	ka := append([]byte(nil), rtcpKeepAlive...)
	ka[1] = 1
	if !bytes.Contains(b, ka) {
		t.Fatal("gortsplib got no keep-alive: its read timeout would end the pull")
	}
	return bytes.ReplaceAll(b, ka, nil)
}

func TestOwnTimingCountsTheGaps(t *testing.T) {
	own := newOwnTiming(&format.H264{PayloadTyp: 96}, &senderClock{rate: 90000})
	var cnt Counters
	for _, seq := range []uint16{65534, 65535, 0, 3, 4, 2, 10} { // 1–2 lost across the wrap, 5–9 after a late 2
		own.lost(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq}}, &cnt)
	}
	if got := cnt.Lost.Load(); got != 2+7 {
		t.Fatalf("counted %d lost, want 9 (1, 2, then 3–9 after the late 2)", got)
	}
}

// TestPinnedChunksAreNeverReused: once pinned (the pull hands its packets
// to gortsplib's depacketizer, which keeps slices of them), the reader
// keeps every chunk, so packets nobody holds keep their bytes; unpinned,
// the same packets' chunks are reused (overwritten here at release).
func TestPinnedChunksAreNeverReused(t *testing.T) {
	poison = true
	t.Cleanup(func() { poison = false })
	var session bytes.Buffer
	for seq := range uint16(400) { // ~560 KB: nine chunks
		session.Write(frame(0, rtpPayload(t, 0xabc, seq, 96, 1400)))
	}
	for _, pinned := range []bool{true, false} {
		in := newInterleaved(&pieces{data: session.Bytes(), rnd: rand.New(rand.NewPCG(7, 7))}, nil)
		var taken []*rtp.Packet
		in.take(0, 96, func(p *rtp.Packet, _ *chunk) { taken = append(taken, p) }, func(*rtcp.SenderReport) {})
		in.passed, in.ssrc = true, 0xabc // as if gortsplib had learnt the source
		if pinned {
			in.pin()
		}
		buf := make([]byte, 4096)
		for {
			if _, err := in.Read(buf); err != nil {
				break
			}
		}
		intact := 0
		for _, p := range taken {
			if len(p.Payload) == 1400 && p.Payload[0] == byte(p.SequenceNumber) && p.Payload[1399] == byte(p.SequenceNumber) {
				intact++
			}
		}
		if pinned && (len(taken) != 400 || intact != 400) {
			t.Fatalf("pinned: %d packets taken, %d intact, want 400 and 400", len(taken), intact)
		}
		if !pinned && intact > 100 {
			t.Fatalf("not pinned: %d of %d packets intact after their chunks were released, want most overwritten", intact, len(taken))
		}
	}
}
