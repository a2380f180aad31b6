package sfu

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/web"
)

// startBrowserSFU serves the SFU and the viewer page (built on the
// console's player module, from web's embedded assets) on one loopback
// origin: no CDN, no external asset.
// ICE listens on every interface: Chromium gathers no loopback candidates.
func startBrowserSFU(t *testing.T, ice ...webrtc.ICEServer) *httptest.Server {
	t.Helper()
	s, _, _ := startSFU(t, func(o *Options) {
		o.UDPAddr = "0.0.0.0:0"
		o.Site = func(camera string) (string, bool) { return "riverside", strings.HasPrefix(camera, "cam") }
		o.ICEServers = ice
	})
	return peers.ViewerServer(t, web.Handler(), s)
}

// whepAnswer is what the viewer page's watch() resolves with.
type whepAnswer struct {
	Status   int    `json:"status"`
	Body     string `json:"body"`
	Location string `json:"location"`
}

// openPage starts Chromium on the viewer page and watches each camera over
// WHEP, each under its own name as the key.
func openPage(t *testing.T, base string, cameras ...string) context.Context {
	t.Helper()
	ctx := peers.Chromium(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("chromium: open %s: %v", base, err)
	}
	for _, cam := range cameras {
		watchIn(t, ctx, cam)
	}
	return ctx
}

// watchIn makes the open page watch camera over WHEP, under its name as the key.
func watchIn(t *testing.T, ctx context.Context, cam string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	a, err := chromedp.Run(wctx, chromedp.Evaluate[whepAnswer](
		fmt.Sprintf("watch(%s, %s, %s)", strconv.Quote(cam), strconv.Quote(cam), strconv.Quote(otherTok)), chromedp.EvalAwaitPromise))
	cancel()
	if err != nil {
		t.Fatalf("chromium: WHEP %s: %v", cam, err)
	}
	if a.Status != 201 || !strings.HasPrefix(a.Location, "/whep/"+cam+"/") {
		t.Fatalf("chromium: WHEP %s: %d %q, Location %q", cam, a.Status, a.Body, a.Location)
	}
}

// Real: Debian's headless Chromium runs the page's WHEP client against the
// SFU and plays the video; a pion WHIP publisher sends ffmpeg's H.264 at
// 640x360, 15 fps, looped. getStats must show frames decoded rising at 640x360.
func TestBrowserPlaysWHEP(t *testing.T) {
	aus := clipOf(t, "640x360")
	hs := startBrowserSFU(t)
	publish(t, hs.URL, "cam1", edge2Tok, aus)
	ctx := openPage(t, hs.URL, "cam1")
	st := peers.AwaitDecoding(t, ctx, "cam1", 640, 360, 30*time.Second)
	if !strings.EqualFold(st.Codec, "video/H264") {
		t.Errorf("codec %q, want video/H264", st.Codec)
	}
	t.Logf("cam1: %+v", st)
}

// Real: one page watching four cameras, each from its own WHIP publisher,
// in four <video> elements; all four must decode.
func TestBrowserPlaysFourCameras(t *testing.T) {
	aus := clipOf(t, "640x360")
	hs := startBrowserSFU(t)
	cams := []string{"cam1", "cam2", "cam3", "cam4"}
	for _, cam := range cams {
		publish(t, hs.URL, cam, edge2Tok, aus)
	}
	ctx := openPage(t, hs.URL, cams...)
	for _, cam := range cams {
		st := peers.AwaitDecoding(t, ctx, cam, 640, 360, 45*time.Second)
		t.Logf("%s: %+v", cam, st)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('video').length`))
	if err != nil || n != len(cams) {
		t.Fatalf("page has %d video elements (%v), want %d", n, err, len(cams))
	}
}

// Real: the SFU's ICE servers reach the console's player. A pion/turn
// server (STUN and TURN) runs on this host's first non-loopback address;
// the player asks the WHEP endpoint for its servers (an authenticated
// OPTIONS) before it builds its RTCPeerConnection, so Chromium's complete
// offer already holds a relay candidate allocated with the TURN
// credentials, and the video plays.
func TestBrowserUsesICEServers(t *testing.T) {
	aus := clipOf(t, "640x360")
	_, servers := startTURN(t, hostIP(t))
	hs := startBrowserSFU(t, servers...)
	publish(t, hs.URL, "cam1", edge2Tok, aus)
	ctx := openPage(t, hs.URL, "cam1")
	peers.AwaitDecoding(t, ctx, "cam1", 640, 360, 30*time.Second)
	type iceServer struct{ URLs, Username, Credential string }
	got := peers.Eval[[]iceServer](t, ctx, `argus.players.get('cam1').iceServers.map((s) => ({URLs: s.urls, Username: s.username || '', Credential: s.credential || ''}))`)
	want := []iceServer{{URLs: servers[0].URLs[0]}, {URLs: servers[1].URLs[0], Username: turnUser, Credential: turnPass}}
	if !slices.Equal(got, want) {
		t.Errorf("the player's ICE servers %+v, want %+v", got, want)
	}
	if offer := peers.Eval[string](t, ctx, `argus.players.get('cam1').offer`); !strings.Contains(offer, " typ relay ") {
		t.Errorf("Chromium's offer has no relay candidate from the TURN server:\n%s", offer)
	}
}

// hostIP is this host's first non-loopback IPv4 address, where Chromium,
// which gathers no loopback candidates, can reach the TURN server.
func hostIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address")
	return ""
}

// Real Chromium joins a relayed camera 1 s into its 4 s GOP (a pion WHIP
// publisher of ffmpeg's H.264, 640x360, a keyframe every 60 frames). It
// decodes at once, from the SFU's cached keyframe group: before the
// publisher sends its next keyframe, which it would wait for otherwise.
func TestBrowserLateJoinerStartsAtOnce(t *testing.T) {
	aus := longGOPClip(t, "640x360")
	hs := startBrowserSFU(t)
	pub := publish(t, hs.URL, "cam1", edge2Tok, aus)
	ctx := openPage(t, hs.URL) // Chromium's start is not the viewer's wait
	frames, _ := pub.counts()
	pub.awaitFrames(t, frames-frames%60+60+16, 20*time.Second)
	_, keys := pub.counts()
	watchIn(t, ctx, "cam1")
	st := peers.AwaitDecoding(t, ctx, "cam1", 640, 360, 30*time.Second)
	if _, now := pub.counts(); now != keys {
		t.Fatalf("Chromium decoded only after the publisher's keyframe %d (joined after keyframe %d): it waited for a new one", now, keys)
	}
	t.Logf("joined 1 s into a 4 s GOP, decoding before the next keyframe: %+v", st)
}
