// Command client is the viewers bench's WHEP viewer: one pion
// PeerConnection with pion's default interceptors (NACK, RTCP reports,
// TWCC feedback, stats: what a browser runs too), receiving one H.264
// camera. It waits for "go" on stdin, posts its offer, and prints one
// JSON line per event on stdout:
//   - {"event":"first","ms":…}: the first complete keyframe (its access
//     unit's last packet) arrived, ms after the POST;
//   - {"event":"count",…}: on each "count" line of stdin: packets, bytes,
//     keyframes, packets missing when a later one came (gaps), packets
//     that came after a later one (late: resent on a NACK, or reordered), and this process's CPU ticks
//     (utime+stime from /proc/self/stat).
//
// It exits when stdin closes. It is a bench tool: it asserts nothing.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

type counts struct {
	packets, bytes, keyframes, gaps, late atomic.Int64
}

func main() {
	url := flag.String("url", "", "WHEP URL")
	token := flag.String("token", "", "bearer token (empty: none)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*url, *token); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(url, token string) error {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return err
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return err
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		return err
	}
	var c counts
	posted := make(chan time.Time, 1)
	out := json.NewEncoder(os.Stdout)
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		at := <-posted
		go drainRTCP(pc)
		var last uint16
		started, first, keyTS, keyed := false, false, uint32(0), false
		for {
			pkt, _, err := t.ReadRTP()
			if err != nil {
				return
			}
			c.packets.Add(1)
			c.bytes.Add(int64(len(pkt.Payload)))
			switch d := pkt.SequenceNumber - last; {
			case !started || d == 1:
				started, last = true, pkt.SequenceNumber
			case d < 0x8000: // ahead: d-1 packets missing so far
				c.gaps.Add(int64(d - 1))
				last = pkt.SequenceNumber
			default: // behind: a resent (NACKed) or reordered packet
				c.late.Add(1)
			}
			if isKeyStart(pkt.Payload) {
				c.keyframes.Add(1)
				keyed, keyTS = true, pkt.Timestamp
			}
			if !first && keyed && pkt.Marker && pkt.Timestamp == keyTS {
				first = true
				out.Encode(map[string]any{"event": "first", "ms": float64(time.Since(at).Microseconds()) / 1000})
			}
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return err
	}
	<-gathered

	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() || in.Text() != "go" {
		return nil
	}
	at := time.Now()
	posted <- at
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(pc.LocalDescription().SDP))
	req.Header.Set("Content-Type", "application/sdp")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("WHEP %s: %d %s", url, resp.StatusCode, bytes.TrimSpace(answer))
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		return err
	}
	for in.Scan() {
		if in.Text() == "count" {
			out.Encode(map[string]any{"event": "count", "packets": c.packets.Load(), "bytes": c.bytes.Load(),
				"keyframes": c.keyframes.Load(), "gaps": c.gaps.Load(), "late": c.late.Load(), "cpu_ticks": cpuTicks()})
		}
	}
	return nil
}

// drainRTCP reads the receiver's RTCP, which the interceptors need read.
func drainRTCP(pc *webrtc.PeerConnection) {
	for _, r := range pc.GetReceivers() {
		go func() {
			for {
				if _, _, err := r.ReadRTCP(); err != nil {
					return
				}
			}
		}()
	}
}

// isKeyStart reports whether an H.264 RTP payload starts a keyframe: an
// IDR slice, alone, first in a STAP-A, or as an FU-A's first fragment.
func isKeyStart(p []byte) bool {
	if len(p) < 2 {
		return false
	}
	switch p[0] & 0x1f {
	case 5:
		return true
	case 24: // STAP-A: size-prefixed NAL units
		for i := 1; i+2 < len(p); {
			n := int(p[i])<<8 | int(p[i+1])
			if p[i+2]&0x1f == 5 {
				return true
			}
			i += 2 + n
		}
	case 28: // FU-A
		return p[1]&0x80 != 0 && p[1]&0x1f == 5
	}
	return false
}

// cpuTicks is this process's utime+stime in clock ticks (1/100 s).
func cpuTicks() int64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}
