package ingest

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
)

// TestInbandParameterSets pulls simulated H.264 and H.265 cameras whose SDP
// carries no parameter sets: the pull learns them from the stream. Each
// camera is online with its codec and size, and a consumer joining later
// starts at a keyframe that carries its parameter sets.
func TestInbandParameterSets(t *testing.T) {
	s := peers.Sim(t,
		sim.Camera{Path: "in264", Scene: peers.TinyScene(sim.Empty, sim.H264), Inband: true},
		sim.Camera{Path: "in265", Scene: peers.TinyScene(sim.Empty, sim.H265), Inband: true},
	)
	h := newHarness(t)
	h.m.Apply(edgeConfig(t, cam("a", s.URL("in264")), cam("b", s.URL("in265"))))
	for id, codec := range map[string]string{"a": "h264", "b": "h265"} {
		h.await(id, StateOnline)
		st := h.status(id).Main
		if st.Codec != codec || st.Width != 320 || st.Height != 240 {
			t.Errorf("camera %s: %s %dx%d, want %s 320x240", id, st.Codec, st.Width, st.Height, codec)
		}
		r := h.hub.Stream(id).Subscribe("late")
		u := next(t, r)
		r.Close()
		if !u.Key || !hasParameterSets(codec, u.AccessUnit()) {
			t.Errorf("camera %s: a new consumer's first unit: keyframe %v, NAL unit types %v; want a keyframe with its parameter sets",
				id, u.Key, naluTypes(codec, u.AccessUnit()))
		}
	}
}

// TestAutoFallsBackToTCP pulls a simulated camera that refuses RTP over
// UDP, answering SETUP with 461 Unsupported Transport as real cameras with
// UDP disabled do. Transport auto falls back to TCP and is online; transport
// udp is offline and says why.
func TestAutoFallsBackToTCP(t *testing.T) {
	s := peers.Sim(t, sim.Camera{Path: "tcponly", Scene: peers.TinyScene(sim.Empty, sim.H264), TCPOnly: true})
	auto, udp := cam("auto", s.URL("tcponly")), cam("udp", s.URL("tcponly"))
	auto.Transport, udp.Transport = "auto", "udp"
	h := newHarness(t)
	h.m.Apply(edgeConfig(t, auto, udp))
	h.await("auto", StateOnline)
	if st := h.status("auto").Main; st.Transport != "tcp" {
		t.Errorf("transport auto on a camera refusing UDP: online over %q, want tcp", st.Transport)
	}
	want := "camera answered 461 Unsupported Transport to SETUP: it does not offer transport udp"
	if ev := h.await("udp", StateOffline); ev.Reason != want {
		t.Errorf("transport udp on a camera refusing it: reason %q, want %q", ev.Reason, want)
	}
}

// TestStatusMeasuresRates pulls a simulated 10 fps camera for one loop of
// its scene and checks the status's fps and bitrate against the scene: its
// frame rate, and the payload bytes of one loop over the loop's length.
func TestStatusMeasuresRates(t *testing.T) {
	s := peers.Sim(t, sim.Camera{Path: "rate", Scene: peers.TinyScene(sim.Fire, sim.H264)})
	sc, err := s.Scene("rate")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.m.Apply(edgeConfig(t, cam("rate", s.URL("rate"))))
	// subscribed before the first frame: every unit the consumer gets is live
	r := h.hub.Stream("rate").Subscribe("count")
	defer r.Close()
	next(t, r)
	h.m.Measure(time.Now())
	for range sc.Frames() { // one loop: every frame of the scene once
		next(t, r)
	}
	h.m.Measure(time.Now())
	st := h.status("rate").Main
	fps, kbps := float64(sc.Spec.FPS), sc.BitrateKbps()
	t.Logf("status %.1f fps %.1f kbit/s; the scene %.0f fps %.1f kbit/s", st.FPS, st.BitrateKbps, fps, kbps)
	if st.FPS < fps*0.9 || st.FPS > fps*1.1 {
		t.Errorf("fps %.1f, want %.0f ±10%%", st.FPS, fps)
	}
	if st.BitrateKbps < kbps*0.9 || st.BitrateKbps > kbps*1.1 {
		t.Errorf("bitrate %.1f kbit/s, want %.1f ±10%%", st.BitrateKbps, kbps)
	}
}

// next returns a consumer's next unit, failing the test after a hang guard.
func next(t *testing.T, r *hub.Reader) *media.Unit {
	t.Helper()
	select {
	case u, ok := <-r.Units():
		if !ok {
			t.Fatal("the stream closed")
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("no unit within 30 s")
	}
	return nil
}

// naluTypes lists the NAL unit types of an access unit.
func naluTypes(codec string, au [][]byte) []int {
	out := make([]int, 0, len(au))
	for _, n := range au {
		if codec == "h265" {
			out = append(out, int(n[0]>>1)&0x3f)
		} else {
			out = append(out, int(n[0]&0x1f))
		}
	}
	return out
}

// hasParameterSets tells whether au carries every parameter set its codec
// needs: SPS and PPS (7, 8) for H.264; VPS, SPS and PPS (32–34) for H.265.
func hasParameterSets(codec string, au [][]byte) bool {
	need := map[int]bool{7: true, 8: true}
	if codec == "h265" {
		need = map[int]bool{32: true, 33: true, 34: true}
	}
	for _, t := range naluTypes(codec, au) {
		delete(need, t)
	}
	return len(need) == 0
}

// TestCameraClockInStatus pulls two simulated cameras whose RTCP sender
// reports (gortsplib's server sends one every 10 s) put their clock right,
// and 5 minutes behind. The status and the metrics say which clock times
// each camera's frames and how far off the camera's clock is, and the log
// warns about the camera that is off.
func TestCameraClockInStatus(t *testing.T) {
	scene := peers.TinyScene(sim.Empty, sim.H264)
	s := peers.Sim(t, sim.Camera{Path: "ntp", Scene: scene}, sim.Camera{Path: "skewed", Scene: scene, ClockOffset: -5 * time.Minute})
	h := newHarness(t)
	h.m.Apply(edgeConfig(t, cam("ntp", s.URL("ntp")), cam("skewed", s.URL("skewed"))))
	for _, msg := range []string{"camera clock: frames timed by its sender reports", "camera clock is off: frames timed by their arrival"} {
		if !h.logs.Await(msg, 30*time.Second) {
			t.Fatalf("no %q in the log within 30 s", msg)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewMetrics(h.m))
	for id, want := range map[string]struct {
		clock  string
		offset time.Duration
	}{"ntp": {"rtcp", 0}, "skewed": {"arrival", -5 * time.Minute}} {
		st := h.status(id).Main
		if st.Clock != want.clock || st.ClockOffsetMs == nil || !near(time.Duration(*st.ClockOffsetMs)*time.Millisecond, want.offset) {
			t.Errorf("camera %s: clock %q offset %v ms, want %s about %s", id, st.Clock, st.ClockOffsetMs, want.clock, want.offset)
		}
		gauge, ok := gaugeOf(t, reg, "argus_camera_clock_offset_seconds", id)
		if !ok || !near(time.Duration(gauge*float64(time.Second)), want.offset) {
			t.Errorf("camera %s: argus_camera_clock_offset_seconds %v (found %v), want about %s", id, gauge, ok, want.offset)
		}
	}
}

// near tells whether a measured camera clock offset is the wanted one,
// give or take the delay between sending a frame and its arrival.
func near(d, want time.Duration) bool {
	return d > want-300*time.Millisecond && d < want+50*time.Millisecond
}

// gaugeOf returns the value of a gauge of one camera's main stream.
func gaugeOf(t *testing.T, reg *prometheus.Registry, name, camera string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["camera"] == camera && labels["stream"] == "main" {
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}
