package peers

import (
	"bufio"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// listen serves each connection with handle until the test ends, when the
// listener and every open connection are closed and handlers awaited.
func listen(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return l.Addr().String()
}

// GarbageAnswer is what Garbage answers: binary, then text, no RTSP.
const GarbageAnswer = "\x00\xff\x13garbage that is not RTSP\r\n\r\n\x7f\x80"

// Garbage returns the URL of a port that answers every request with bytes
// that are no RTSP at all, then hangs up, like a service of another protocol
// on the camera's port. It reads the request first, as such a service does:
// hanging up on unread data would reset the connection, and the reset can
// overtake the answer.
func Garbage(t testing.TB) string {
	return "rtsp://" + listen(t, func(c net.Conn) {
		r := textproto.NewReader(bufio.NewReader(c))
		if _, err := r.ReadLine(); err != nil {
			return
		}
		if _, err := r.ReadMIMEHeader(); err != nil {
			return
		}
		c.Write([]byte(GarbageAnswer))
	}) + "/cam"
}

// HangUp returns the URL of a port that takes each connection and closes
// it at once, like a camera whose RTSP service crashed behind its socket.
func HangUp(t testing.TB) string {
	return "rtsp://" + listen(t, func(net.Conn) {}) + "/cam"
}

// Silent returns the URL of a port that accepts connections and never
// answers, like a camera whose firmware hung.
func Silent(t testing.TB) string {
	return "rtsp://" + listen(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}) + "/cam"
}

// VideoSDP is a valid SDP offering one H.264 track, for peers that break
// what comes after DESCRIBE.
const VideoSDP = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n" +
	"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n"

// BadSDP returns the URL of an RTSP server that answers OPTIONS properly
// and DESCRIBE with the given SDP body (malformed, or without video).
func BadSDP(t testing.TB, sdp string) string {
	return "rtsp://" + listen(t, func(c net.Conn) { serveRTSP(c, sdp, nil) }) + "/cam"
}

// BrokenRTP returns the URL of an RTSP server that offers VideoSDP and then
// streams, over TCP, well-formed RTP packets whose payloads are broken H.264
// (fragments of units that never started, reserved NAL unit types): the
// transport works, yet no frame can ever be assembled.
func BrokenRTP(t testing.TB) string {
	return "rtsp://" + listen(t, func(c net.Conn) {
		serveRTSP(c, VideoSDP, func(write func([]byte) error) {
			go streamBroken(write)
		})
	}) + "/cam"
}

// serveRTSP answers requests on c; onPlay runs once PLAY is answered, with
// a writer that does not interleave with the replies.
func serveRTSP(c net.Conn, sdp string, onPlay func(write func([]byte) error)) {
	r := textproto.NewReader(bufio.NewReader(c))
	var mu sync.Mutex // the streaming goroutine writes to c too
	reply := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(c, format, args...)
	}
	write := func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		_, err := c.Write(b)
		return err
	}
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		hdr, err := r.ReadMIMEHeader()
		if err != nil {
			return
		}
		cseq := hdr.Get("Cseq")
		switch {
		case strings.HasPrefix(line, "OPTIONS"):
			reply("RTSP/1.0 200 OK\r\nCSeq: %s\r\nPublic: DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n", cseq)
		case strings.HasPrefix(line, "DESCRIBE"):
			reply("RTSP/1.0 200 OK\r\nCSeq: %s\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
				cseq, len(sdp), sdp)
		case strings.HasPrefix(line, "SETUP") && onPlay != nil:
			reply("RTSP/1.0 200 OK\r\nCSeq: %s\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 12345678;timeout=60\r\n\r\n", cseq)
		case strings.HasPrefix(line, "PLAY") && onPlay != nil:
			reply("RTSP/1.0 200 OK\r\nCSeq: %s\r\nSession: 12345678\r\n\r\n", cseq)
			onPlay(write)
		default:
			reply("RTSP/1.0 455 Method Not Valid In This State\r\nCSeq: %s\r\n\r\n", cseq)
		}
	}
}

// streamBroken writes interleaved RTP packets of broken H.264 every 10ms
// until the connection fails.
func streamBroken(write func([]byte) error) {
	payloads := [][]byte{
		{0x7c, 0x05, 0xde, 0xad}, // FU-A middle fragment of an IDR that never started
		{0x7c, 0x45, 0xbe, 0xef}, // FU-A end fragment, likewise
		{0x1f, 0x00, 0x00},       // reserved NAL unit type 31
	}
	for seq := uint16(0); ; seq++ {
		p := payloads[int(seq)%len(payloads)]
		pkt := []byte{0x80, 0xe0, byte(seq >> 8), byte(seq), 0, 0, byte(seq >> 8), byte(seq), 0, 0, 0, 1}
		pkt = append(pkt, p...)
		frame := append([]byte{'$', 0, byte(len(pkt) >> 8), byte(len(pkt))}, pkt...)
		if err := write(frame); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond) // pacing a stream, not synchronisation
	}
}
