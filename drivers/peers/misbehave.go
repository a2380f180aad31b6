package peers

import (
	"bufio"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
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

// Garbage returns the URL of a port that answers every connection with
// bytes that are no RTSP at all, then hangs up.
func Garbage(t testing.TB) string {
	return "rtsp://" + listen(t, func(c net.Conn) {
		c.Write([]byte("\x00\xff\x13garbage that is not RTSP\r\n\r\n\x7f\x80"))
	}) + "/cam"
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

// BadSDP returns the URL of an RTSP server that answers OPTIONS properly
// and DESCRIBE with the given SDP body (malformed, or without video).
func BadSDP(t testing.TB, sdp string) string {
	return "rtsp://" + listen(t, func(c net.Conn) {
		r := textproto.NewReader(bufio.NewReader(c))
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
				fmt.Fprintf(c, "RTSP/1.0 200 OK\r\nCSeq: %s\r\nPublic: DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n", cseq)
			case strings.HasPrefix(line, "DESCRIBE"):
				fmt.Fprintf(c, "RTSP/1.0 200 OK\r\nCSeq: %s\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
					cseq, len(sdp), sdp)
			default:
				fmt.Fprintf(c, "RTSP/1.0 455 Method Not Valid In This State\r\nCSeq: %s\r\n\r\n", cseq)
			}
		}
	}) + "/cam"
}
