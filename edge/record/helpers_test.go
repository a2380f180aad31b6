package record

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
)

// What is simulated here: the camera. Its video is a real H.264/H.265
// scene encoded by ffmpeg (our simulator's scene library), replayed into
// the hub as the RTSP driver would publish it, faster than real time with
// the camera's wall clock carried in each unit. The files are read by the
// real ffprobe.

// start0 is when the tests' footage begins. It is recent: retention runs
// on the wall clock, and would take at once clips dated a month back.
// (Fixed-date replays that never meet a Recorder stay fixed.)
var start0 = time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)

// scene encodes (or takes from the cache) a tiny simulator scene.
func scene(t testing.TB, codec sim.Codec) *sim.Scene {
	t.Helper()
	return sceneOf(t, sceneSpec(codec))
}

// sceneOf encodes (or takes from the cache) a simulator scene.
func sceneOf(t testing.TB, spec sim.SceneSpec) *sim.Scene {
	t.Helper()
	peers.Need(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop()).Scene(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// newRecorder starts a recorder of the given policies on a fresh hub.
func newRecorder(t testing.TB, dir string, o Options, policies map[string]Policy) (*Recorder, *hub.Hub) {
	t.Helper()
	h := hub.New(hub.Options{Queue: 256})
	o.Dir, o.Hub = dir, h
	if o.Log.GetLevel() == zerolog.DebugLevel { // the zero Logger: none given
		o.Log = peers.TestLog(t)
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	r.Apply(policies)
	return r, h
}

// play publishes d of the scene into the camera's stream, as from a camera
// whose first frame was at start, holding back while the recorder's queue
// is half full so nothing is dropped; at is called before each unit with
// its time. It returns once the recorder has taken every unit.
func play(t testing.TB, h *hub.Hub, camera string, sc *sim.Scene, start time.Time, d time.Duration, at func(time.Time)) {
	t.Helper()
	st := h.Open(camera)
	rd := st.Readers()
	if len(rd) != 1 {
		t.Fatalf("%d consumers of %s, want the recorder", len(rd), camera)
	}
	for u := range sc.Replay(start, d) {
		if at != nil {
			at(u.NTP)
		}
		waitFor(t, func() bool { return rd[0].Queued() < 128 })
		st.Publish(u)
	}
	waitFor(t, func() bool { return rd[0].Queued() == 0 })
	if rd[0].Dropped() != 0 {
		t.Fatalf("recorder dropped %d units", rd[0].Dropped())
	}
}

// waitFor polls cond until it holds, failing the test after 30 s.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 30s")
		}
		time.Sleep(time.Millisecond)
	}
}

// probe runs ffprobe on a file: its duration and first frame's time in
// seconds; any error ffprobe reports fails the test.
func probe(t testing.TB, path string) (duration, first float64) {
	t.Helper()
	peers.Need(t, "ffprobe", "ffmpeg")
	cmd := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"format=duration:stream=start_time", "-of", "default=nw=1", path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ffprobe %s: %v %s", path, err, stderr.String())
	}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(l, "=")
		f, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "duration":
			duration = f
		case "start_time":
			first = f
		}
	}
	return duration, first
}

// decodeAll decodes every frame of a file with ffmpeg, failing on any error.
func decodeAll(t testing.TB, path string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("ffmpeg decoding %s: %v %s", path, err, out)
	}
}

// anomaly is an anomaly event of camera at frame time ft.
func anomaly(id, camera, state string, ft time.Time) bus.Anomaly {
	return bus.Anomaly{ID: id, Camera: camera, State: state, Kind: bus.KindFire, FrameTime: bus.At(ft)}
}

// creationTime is the file's creation_time as ffprobe reads it.
func creationTime(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format_tags=creation_time", "-of", "default=nw=1:nk=1", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

// sceneSpec is the scene the tests record: 320x240, 10 fps, a keyframe
// every second, a 3 s loop.
func sceneSpec(codec sim.Codec) sim.SceneSpec { return peers.TinyScene(sim.Empty, codec) }
