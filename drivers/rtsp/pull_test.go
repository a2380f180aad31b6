package rtsp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestPullFromGStreamer pulls from a third-party server: GStreamer's
// gst-rtsp-server encoding a live test pattern with x264. Nothing is
// simulated but the picture.
func TestPullFromGStreamer(t *testing.T) {
	url := peers.GStreamer(t, 640, 360)
	for _, tr := range []string{"tcp", "udp"} {
		t.Run(tr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			infos := make(chan Info, 8)
			units := make(chan *media.Unit, 64)
			var cnt Counters
			errc := make(chan error, 1)
			go func() {
				errc <- Pull(ctx, Options{URL: url, Transport: tr, Counters: &cnt,
					OnInfo: func(i Info) { infos <- i },
					OnUnit: func(u *media.Unit) {
						select {
						case units <- u:
						default:
						}
					}})
			}()
			var key *media.Unit
			for key == nil {
				select {
				case u := <-units:
					if u.Key {
						key = u
					}
				case err := <-errc:
					t.Fatalf("pull ended before a keyframe: %v", err)
				}
			}
			if media.Codec(key.Format) != "h264" || len(key.Packets) == 0 || key.Size == 0 || key.NTP.IsZero() {
				t.Fatalf("keyframe unit incomplete: codec %s, %d packets, %d bytes", media.Codec(key.Format), len(key.Packets), key.Size)
			}
			if !hasParams264(key.AccessUnit()) {
				t.Fatal("keyframe lacks SPS/PPS")
			}
			var info Info
			for info.Width == 0 {
				info = <-infos
			}
			if info.Codec != "h264" || info.Width != 640 || info.Height != 360 || info.Transport != tr {
				t.Fatalf("info %+v, want h264 640x360 over %s", info, tr)
			}
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("after cancel Pull returned %v, want context.Canceled", err)
			}
			if cnt.Frames.Load() == 0 || cnt.Keyframes.Load() == 0 || cnt.Packets.Load() < cnt.Frames.Load() {
				t.Fatalf("counters: %d packets %d frames %d keyframes", cnt.Packets.Load(), cnt.Frames.Load(), cnt.Keyframes.Load())
			}
		})
	}
}

func hasParams264(au [][]byte) bool {
	var sps, pps bool
	for _, n := range au {
		switch n[0] & 0x1f {
		case 7:
			sps = true
		case 8:
			pps = true
		}
	}
	return sps && pps
}

// TestPullBadPeers pulls from misbehaving peers and checks that each fails
// with its own class of error and a reason that says what is wrong. The
// peers are simulated on loopback: by the peers package (garbage, a hang-up,
// silence, bad SDPs, broken RTP), by our simulator (credentials, a wrong
// path, a camera refusing UDP, a stall), and by Go's net/http (a web server
// on the camera's port).
func TestPullBadPeers(t *testing.T) {
	scene := peers.TinyScene(sim.Empty, sim.H264)
	s := peers.Sim(t,
		sim.Camera{Path: "locked", Scene: scene, User: "op", Pass: "right-pass"},
		sim.Camera{Path: "tcponly", Scene: scene, TCPOnly: true},
		sim.Camera{Path: "stall", Scene: scene},
	)
	var stallOnce sync.Once // the stall camera stops sending after its first frame
	stall := func(*media.Unit) { stallOnce.Do(func() { s.Stall("stall") }) }
	web := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(web.Close)
	cases := []struct {
		name  string
		o     Options
		class error // nil: no class, a plain error
		want  string
	}{
		{"garbage", Options{URL: peers.Garbage(t)}, ErrNotRTSP,
			`not an RTSP server (answered "\x00\xff\x13garbage that is not RTSP\r\n\r\n\x7f\x80")`},
		{"web server", Options{URL: strings.Replace(web.URL, "http:", "rtsp:", 1) + "/cam"}, ErrNotRTSP,
			`not an RTSP server (answered "HTTP/1.1 `},
		{"hang-up", Options{URL: peers.HangUp(t)}, ErrHungUp, "connection closed by the camera during DESCRIBE"},
		{"silent", Options{URL: peers.Silent(t)}, ErrNoAnswer, "no answer to DESCRIBE within read_timeout (500ms)"},
		{"refused", Options{URL: "rtsp://127.0.0.1:1/cam"}, ErrRefused, "connection refused: nothing listens on 127.0.0.1:1"},
		{"malformed sdp", Options{URL: peers.BadSDP(t, "v=0\r\nthis is not sdp\r\n")}, ErrBadSDP,
			"malformed SDP: invalid line: (this is not sdp)"},
		{"no video", Options{URL: peers.BadSDP(t, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=audio\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")},
			ErrNoVideo, "no H.264/H.265 track in SDP (offered: audio G711)"},
		{"no credentials", Options{URL: s.URL("locked")}, ErrAuth,
			"authentication failed (401): the camera wants credentials and none are configured"},
		{"wrong password", Options{URL: s.URL("locked"), Username: "op", Password: "wrong-pass"}, ErrAuth,
			`authentication failed (401): the camera refused the password of user "op"`},
		{"wrong path", Options{URL: s.URL("nowhere")}, ErrStatus, "camera answered 404 Not Found to DESCRIBE"},
		{"udp refused", Options{URL: s.URL("tcponly"), Transport: "udp"}, ErrStatus,
			"camera answered 461 Unsupported Transport to SETUP: it does not offer transport udp"},
		{"stall", Options{URL: s.URL("stall"), OnUnit: stall}, ErrStalled, "stream stalled: no packet for "},
		{"broken rtp", Options{URL: peers.BrokenRTP(t)}, ErrUndecodable,
			"packets but no complete frame for "},
		{"bad url", Options{URL: "http://127.0.0.1/cam"}, nil, "parse url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.o.ReadTimeout, c.o.StallTimeout = 500*time.Millisecond, 500*time.Millisecond
			err := Pull(context.Background(), c.o)
			t.Logf("reason: %v", err)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			for _, other := range classes {
				if is := errors.Is(err, other); is != (other == c.class) {
					t.Fatalf("error %q: errors.Is(%q) is %v", err, other, is)
				}
			}
			if strings.Contains(err.Error(), "wrong-pass") || strings.Contains(err.Error(), "right-pass") {
				t.Fatalf("error %q shows a password", err)
			}
		})
	}
}

// classes are the package's classes of failure; a failure is of one only.
var classes = []error{ErrRefused, ErrNoAnswer, ErrNotRTSP, ErrHungUp, ErrAuth, ErrStatus, ErrBadSDP,
	ErrNoVideo, ErrStalled, ErrUndecodable}

// TestBrokenRTPSaysWhy: the reason of an undecodable stream counts the
// packets and names the last depacketizing error.
func TestBrokenRTPSaysWhy(t *testing.T) {
	err := Pull(context.Background(), Options{URL: peers.BrokenRTP(t), StallTimeout: 500 * time.Millisecond})
	want := regexp.MustCompile(`^stream undecodable: [1-9]\d* packets but no complete frame for \d+ms \(last error: .+\)$`)
	if !errors.Is(err, ErrUndecodable) || !want.MatchString(err.Error()) {
		t.Fatalf("error %v, want it to match %s", err, want)
	}
}

// TestPullCancelUnblocksSilentCamera: a camera that never answers must not
// hold its goroutine once the edge no longer wants it.
func TestPullCancelUnblocksSilentCamera(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	url := peers.Silent(t) // here, not in the goroutine: it registers a t.Cleanup
	go func() { errc <- Pull(ctx, Options{URL: url, ReadTimeout: time.Hour}) }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
