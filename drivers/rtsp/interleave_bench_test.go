package rtsp

import (
	"bytes"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// BenchmarkTakePackets measures what the pull does per RTP packet over
// TCP before the hub, the system call apart: the interleaved reader takes
// the video's packets out of a byte stream already in memory, and the scan
// finds the units. The stream is the 4-unit H.264 stream of the scan
// tests repeated; -benchmem shows the allocations per packet (the read
// chunks and packet slabs, shared by many packets).
func BenchmarkTakePackets(b *testing.B) {
	t := &testing.T{}
	_, pkts := stream264(t)
	var one bytes.Buffer
	for i := range 64 {
		for _, p := range pkts {
			q := *p
			q.SequenceNumber = uint16(i*len(pkts)) + p.SequenceNumber
			raw, err := q.Marshal()
			if err != nil {
				b.Fatal(err)
			}
			one.Write(frame(0, raw))
		}
	}
	perLoop := 64 * len(pkts)
	data := bytes.Repeat(one.Bytes(), max(1, b.N/perLoop+1))
	s := scan{synced: true}
	first, taken := true, 0
	in := newInterleaved(bytes.NewReader(data), nil)
	in.take(0, 96, func(p *rtp.Packet, _ *chunk) {
		taken++
		switch s.packet(p, first) {
		case vDone:
			s.start()
			first = true
		case vMore:
			first = false
		default:
			b.Fatal("the scan gave up on the bench stream")
		}
	}, func(*rtcp.SenderReport) {})
	in.passed = true // as after the first packet, which gortsplib is given
	b.ReportAllocs()
	b.SetBytes(int64(one.Len() / perLoop))
	b.ResetTimer()
	for taken < b.N {
		if err := in.next(); err != nil {
			b.Fatal(err)
		}
		in.pass = nil // keep-alives: gortsplib's
	}
}
