package ingest

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/rtsp"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestPullsCamerasAndReportsStatus pulls simulated H.264 and H.265 cameras
// (our simulator, ffmpeg-encoded scenes) and checks status, the hub and the
// metrics.
func TestPullsCamerasAndReportsStatus(t *testing.T) {
	s := peers.Sim(t,
		sim.Camera{Path: "a264", Scene: peers.TinyScene(sim.Empty, sim.H264)},
		sim.Camera{Path: "b265", Scene: peers.TinyScene(sim.Empty, sim.H265)},
		sim.Camera{Path: "c/main", Scene: peers.TinyScene(sim.Empty, sim.H264)},
		sim.Camera{Path: "c/sub", Scene: sim.SceneSpec{Kind: sim.Empty, Width: 160, Height: 120, FPS: 10, GOP: 1e9, Duration: 3e9}},
	)
	h := newHarness(t)
	withSub := cam("c", s.URL("c/main"))
	withSub.Sub = s.URL("c/sub")
	overUDP, auto := cam("u", s.URL("a264")), cam("v", s.URL("b265"))
	overUDP.Transport, auto.Transport = "udp", "auto"
	ch := h.m.Apply(edgeConfig(t, cam("a", s.URL("a264")), cam("b", s.URL("b265")), withSub, overUDP, auto))
	if len(ch.Added) != 5 {
		t.Fatalf("added %v", ch.Added)
	}
	for _, id := range []string{"a", "b", "c", "c" + SubSuffix, "u", "v"} {
		h.await(id, StateOnline)
	}
	want := map[string]string{"a": "h264 tcp", "b": "h265 tcp", "c": "h264 tcp", "u": "h264 udp", "v": "h265 udp"}
	for id, w := range want {
		st := h.status(id)
		if st.State != StateOnline || st.Main.Codec+" "+st.Main.Transport != w || st.Main.Width != 320 ||
			st.Main.Height != 240 || st.Main.LastFrame == nil {
			t.Errorf("camera %s status %+v, want online %s 320x240", id, st.Main, w)
		}
	}
	if sub := h.status("c").Sub; sub == nil || sub.Width != 160 || sub.State != StateOnline {
		t.Errorf("substream status %+v, want online 160x120", sub)
	}

	// a consumer joining now starts at the cached keyframe
	r := h.hub.Stream("a").Subscribe("test")
	defer r.Close()
	if u := <-r.Units(); !u.Key {
		t.Fatal("first unit for a new consumer is not a keyframe")
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(NewMetrics(h.m))
	if n := testutil.CollectAndCount(NewMetrics(h.m), "argus_camera_frames_total"); n != 6 {
		t.Fatalf("%d frame series, want 6 (a, b, u, v, c main and sub)", n)
	}
	out, err := testutil.CollectAndLint(NewMetrics(h.m))
	if err != nil || len(out) > 0 {
		t.Fatalf("metrics lint: %v %v", err, out)
	}
	if !strings.Contains(metricsText(t, reg), `argus_consumer_delivered_total{camera="a",consumer="test",site="s1",stream="main"}`) {
		t.Fatal("consumer metrics missing")
	}
	if n := testutil.CollectAndCount(NewMetrics(h.m), "argus_read_chunks_free"); n != 2 || rtsp.ReadChunkStats().Allocated == 0 {
		t.Fatalf("%d read chunk series (want resident and released), %d chunks allocated by the TCP pulls", n, rtsp.ReadChunkStats().Allocated)
	}
}

func metricsText(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			b.WriteString(mf.GetName() + "{")
			for i, l := range m.Label {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(l.GetName() + `="` + l.GetValue() + `"`)
			}
			b.WriteString("}\n")
		}
	}
	return b.String()
}

// TestBadCamerasFailAlone: each misbehaving peer (simulated on loopback by
// the peers package and the simulator) is marked offline with a reason that
// says what is wrong, while a good camera on the same edge never drops.
func TestBadCamerasFailAlone(t *testing.T) {
	s := peers.Sim(t,
		sim.Camera{Path: "good", Scene: peers.TinyScene(sim.Empty, sim.H264)},
		sim.Camera{Path: "stall", Scene: peers.TinyScene(sim.Empty, sim.H264), StallAfter: 1e9},
		sim.Camera{Path: "corrupt", Scene: peers.TinyScene(sim.Empty, sim.H264), Corrupt: 0.5},
	)
	h := newHarness(t)
	cases := map[string]struct{ url, reason string }{
		"garbage":   {peers.Garbage(t), `not an RTSP server (answered "\x00\xff\x13garbage`},
		"badsdp":    {peers.BadSDP(t, "v=0\r\nnot sdp at all\r\n"), "malformed SDP: invalid line: (not sdp at all)"},
		"novideo":   {peers.BadSDP(t, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=a\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n"), "no H.264/H.265 track in SDP (offered: audio G711)"},
		"brokenrtp": {peers.BrokenRTP(t), "stream undecodable: "},
		// the pull's watcher ("no packet for 1.2s") or gortsplib's read
		// timeout ("no packet within read_timeout (2s)"), whichever sees
		// the silence first: both say the camera stalled
		"stall":  {s.URL("stall"), "stream stalled: no packet "},
		"silent": {peers.Silent(t), "no answer to DESCRIBE within read_timeout (2s)"},
		"hangup": {peers.HangUp(t), "connection closed by the camera during DESCRIBE"},
		"nopass": {s.URL("good"), "camera nopass: password_env: environment variable ARGUS_TEST_UNSET_PASSWORD is not set"},
	}
	cams := []configs.Camera{cam("good", s.URL("good")), cam("corrupt", s.URL("corrupt"))}
	for id, c := range cases {
		cc := cam(id, c.url)
		if id == "nopass" {
			cc.PasswordEnv = "ARGUS_TEST_UNSET_PASSWORD"
		}
		cams = append(cams, cc)
	}
	h.m.Apply(edgeConfig(t, cams...))
	h.await("good", StateOnline)
	for id, c := range cases {
		ev := h.await(id, StateOffline)
		if !strings.Contains(ev.Reason, c.reason) {
			t.Errorf("camera %s offline with reason %q, want it to contain %q", id, ev.Reason, c.reason)
		}
	}
	if st := h.status("brokenrtp"); st.Main.Reason == "" {
		t.Errorf("broken RTP camera has no reason in status")
	}
	good := h.status("good")
	if good.State != StateOnline || good.Main.Reconnects != 0 {
		t.Fatalf("the good camera was disturbed: %+v", good.Main)
	}
	// Bytes flipped inside slice data leave every header valid: the pull
	// cannot see them without decoding, so the camera stays online and
	// its units go on to the decoder, which is where they are caught.
	h.await("corrupt", StateOnline)
}
