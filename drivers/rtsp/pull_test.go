package rtsp

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
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
			if !hasParams264(key.AU) {
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

// TestPullBadPeers pulls from misbehaving peers (simulated by the peers
// package on loopback) and checks each fails with an error naming what
// went wrong.
func TestPullBadPeers(t *testing.T) {
	cases := []struct {
		name string
		url  string
		want string
	}{
		{"garbage", peers.Garbage(t), "describe:"},
		{"malformed sdp", peers.BadSDP(t, "v=0\r\nthis is not sdp\r\n"), "describe:"},
		{"no video", peers.BadSDP(t, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=audio\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"), "no H.264 or H.265 video track (offered: audio G711)"},
		{"silent", peers.Silent(t), "describe:"},
		{"refused", "rtsp://127.0.0.1:1/cam", "connection refused"},
		{"bad url", "http://127.0.0.1/cam", "parse url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Pull(context.Background(), Options{URL: c.url, ReadTimeout: 500 * time.Millisecond})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// TestPullCancelUnblocksSilentCamera: a camera that never answers must not
// hold its goroutine once the edge no longer wants it.
func TestPullCancelUnblocksSilentCamera(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Pull(ctx, Options{URL: peers.Silent(t), ReadTimeout: time.Hour}) }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
