package rtsp

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// interleaved reads an RTSP connection over TCP in large batches into
// chunks that it keeps, and takes the video's RTP packets out of the
// stream itself: each packet's payload stays where it was read (no copy,
// no allocation per packet), and is handed to onRTP on the reading
// goroutine. Everything else — RTSP responses, RTCP, the first packet of
// each RTP source — goes on to gortsplib as bytes, as it came.
//
// gortsplib reads each interleaved frame into a new slice and a new
// rtp.Packet and counts it in its RTCP receiver: per packet, two
// allocations, a copy and a lock, which were most of a pull's CPU after
// the system calls (docs/performance.md, "Ingest"). gortsplib still sees
// every byte but the packets taken: what it needs of them — the source's
// SSRC, to match its sender reports — it learns from the first packet of
// each source, which it is given. Its read timeout over TCP counts any
// frame, so once a second without one it is given an empty receiver
// report (RTCP RR, no blocks): the pull's stall timeout watches the
// packets themselves.
type interleaved struct {
	conn io.Reader
	cur  *chunk // the current chunk, held by the reader (chunk.go)
	buf  []byte // its bytes; frames are parsed in buf[r:w]
	r, w int
	pass []byte // bytes for gortsplib, not yet read by it

	channel atomic.Int32              // interleaved channel of the video's RTP; -1 until set
	pt      uint8                     // the video's payload type
	onRTP   func(*rtp.Packet, *chunk) // the packet, and the chunk its bytes lie in
	onSR    func(*rtcp.SenderReport)  // the video's RTCP sender reports

	ssrc     uint32 // of the last RTP packet handed to gortsplib
	passed   bool   // one was
	lastPass time.Time
	every    time.Duration // the most gortsplib goes without a frame
	slab     []rtp.Packet  // packets are allocated a slab at a time
	keep     func([]byte)  // sees the bytes read, for the head of the stream
	pinned   bool          // chunks are kept for good, never reused (pin)
}

// chunkSize is the size of a read chunk. Packets keep their chunk alive,
// so a camera's cached GOP holds its bytes in chunks of this size rather
// than one allocation per packet; at 4 Mbps a chunk is ~0.13 s of video.
// Chunks are reused once nothing refers to them (chunk.go).
const chunkSize = 64 << 10

// minRead is the least room a read is given: below it a new chunk starts.
const minRead = 4 << 10

// rtcpKeepAlive is an RTCP receiver report with no report block (RFC 3550
// 6.4.2), in an interleaved frame whose channel byte is set when sent.
var rtcpKeepAlive = []byte{'$', 0, 0, 8, 0x80, 201, 0, 1, 0, 0, 0, 0}

func newInterleaved(conn io.Reader, keep func([]byte)) *interleaved {
	c := &interleaved{conn: conn, keep: keep, every: time.Second}
	c.channel.Store(-1)
	return c
}

// take starts taking the RTP packets of payload type pt on an interleaved
// channel out of the stream, for onRTP, and shows onSR the sender reports
// on the channel after it (which gortsplib gets too); called before PLAY.
// Both are called on gortsplib's reading goroutine, which also runs its
// callbacks, and never after the client's Close has returned. onRTP is
// given the chunk the packet lies in, which it holds (chunk.hold) for as
// long as it keeps the packet: once the reader has moved on to the next
// chunk, a chunk nothing holds is reused.
func (c *interleaved) take(channel int, pt uint8, onRTP func(*rtp.Packet, *chunk), onSR func(*rtcp.SenderReport)) {
	c.onRTP, c.onSR, c.pt = onRTP, onSR, pt
	c.channel.Store(int32(channel))
}

// Read gives gortsplib the stream's bytes but the packets taken.
func (c *interleaved) Read(b []byte) (int, error) {
	for len(c.pass) == 0 {
		if err := c.next(); err != nil {
			return 0, err
		}
	}
	n := copy(b, c.pass)
	c.pass = c.pass[n:]
	return n, nil
}

// next parses one item at buf[r:], reading more when it is incomplete:
// an RTP packet taken, or bytes for gortsplib.
func (c *interleaved) next() error {
	have := c.buf[c.r:c.w]
	if len(have) == 0 {
		return c.fill(1)
	}
	switch {
	case have[0] == '$':
		if len(have) < 4 {
			return c.fill(4)
		}
		size := 4 + int(binary.BigEndian.Uint16(have[2:]))
		if len(have) < size {
			return c.fill(size)
		}
		c.frame(have[:size])
	case startsMessage(have) == msgMore:
		return c.fill(len(have) + 1) // too short to tell a message from noise
	case startsMessage(have) == msgYes:
		end := bytes.Index(have, []byte("\r\n\r\n"))
		if end < 0 {
			if len(have) >= chunkSize {
				c.passRaw() // headers this long: let gortsplib refuse them
				return nil
			}
			return c.fill(len(have) + 1)
		}
		size := end + 4 + contentLength(have[:end])
		if len(have) < size {
			return c.fill(size)
		}
		c.give(have[:size])
	default:
		c.give(have[:1]) // noise: gortsplib skips it a byte at a time
	}
	return nil
}

// frame handles one interleaved frame.
func (c *interleaved) frame(f []byte) {
	ch, want := int32(f[1]), c.channel.Load()
	if want >= 0 && ch == want+1 {
		c.senderReports(f[4:])
	}
	if want < 0 || ch != want {
		c.give(f)
		return
	}
	pkt := c.packet()
	if pkt.Unmarshal(f[4:]) != nil || pkt.PayloadType != c.pt || !c.passed || pkt.SSRC != c.ssrc {
		// gortsplib judges what is not RTP, and learns each new source
		c.passed, c.ssrc = true, pkt.SSRC
		c.give(f)
		return
	}
	c.r += len(f)
	c.onRTP(pkt, c.cur)
	if time.Since(c.lastPass) >= c.every {
		ka := append([]byte(nil), rtcpKeepAlive...)
		ka[1] = byte(ch + 1)
		c.lastPass = time.Now()
		c.pass = ka
	}
}

// senderReports shows onSR the sender reports of an RTCP compound packet;
// a packet that does not parse is gortsplib's to judge.
func (c *interleaved) senderReports(b []byte) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	for _, p := range pkts {
		if sr, ok := p.(*rtcp.SenderReport); ok {
			c.onSR(sr)
		}
	}
}

// packet returns a fresh packet: the current chunk's, for a packet whose
// bytes lie in it, else from the slab.
func (c *interleaved) packet() *rtp.Packet {
	if p := c.cur.packet(); p != nil {
		return p
	}
	if len(c.slab) == 0 {
		c.slab = make([]rtp.Packet, 64)
	}
	p := &c.slab[0]
	c.slab = c.slab[1:]
	return p
}

// give hands the next n bytes to gortsplib.
func (c *interleaved) give(b []byte) {
	c.pass = b
	c.r += len(b)
	c.lastPass = time.Now()
}

// pin keeps every chunk from now on: the reader never gives back its hold
// on the current chunk or the next ones, so none is reused. The pull pins
// when it hands its packets to gortsplib's depacketizer, which keeps
// slices of them beyond a unit. Called on the reading goroutine.
func (c *interleaved) pin() { c.pinned = true }

// passRaw hands gortsplib everything buffered, unparsed.
func (c *interleaved) passRaw() { c.give(c.buf[c.r:c.w]) }

// fill reads until buf[r:] holds at least need bytes. Bytes already handed
// on stay where they are: packets refer to them. When the chunk has too
// little room, the bytes of the incomplete item move to a new chunk.
func (c *interleaved) fill(need int) error {
	for c.w-c.r < need {
		if len(c.buf)-c.r < need || len(c.buf)-c.w < minRead {
			nc := newChunk(need + minRead)
			c.w = copy(nc.buf, c.buf[c.r:c.w])
			if c.cur != nil && !c.pinned {
				c.cur.release() // nothing is left to parse in it
			}
			c.cur, c.buf, c.r = nc, nc.buf, 0
		}
		n, err := c.conn.Read(c.buf[c.w:])
		if n > 0 && c.keep != nil {
			c.keep(c.buf[c.w : c.w+n])
		}
		c.w += n
		if err != nil && c.w-c.r < need {
			return err
		}
	}
	return nil
}

// What the first bytes of an item say of it.
const (
	msgNo   = iota // not an RTSP message: noise, or an interleaved frame
	msgYes         // a response ("RTSP/") or a request a server may send (ANNOUNCE, GET_PARAMETER, …)
	msgMore        // too few bytes to tell
)

// startsMessage tells whether b starts an RTSP message: a response, or a
// request (a method of 3 to 20 capitals or '_', then a space).
func startsMessage(b []byte) int {
	const resp = "RTSP/"
	if len(b) < len(resp) && bytes.HasPrefix([]byte(resp), b) {
		return msgMore
	}
	if bytes.HasPrefix(b, []byte(resp)) {
		return msgYes
	}
	for i, x := range b {
		switch {
		case x == ' ' && i >= 3:
			return msgYes
		case i >= 20 || (x < 'A' || x > 'Z') && x != '_':
			return msgNo
		}
	}
	return msgMore
}

// contentLength reads the Content-Length of a message's headers, 0 when
// absent or unreadable (gortsplib then judges the message).
func contentLength(head []byte) int {
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("Content-Length")) {
			n, err := strconv.Atoi(string(bytes.TrimSpace(v)))
			if err == nil && n >= 0 && n < 1<<20 {
				return n
			}
		}
	}
	return 0
}
