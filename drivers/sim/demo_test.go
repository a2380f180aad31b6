package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os/exec"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// Simulated: the whole demo fleet of configs/sim-demo.yaml on one server,
// each camera probed by Debian's ffprobe (a third-party RTSP client) over
// TCP. ffprobe must report the codec and size the fleet file promises.
// The flap schedule is left out here (TestFlap covers it) so that no probe
// lands in an offline window. Without ffprobe it skips, or fails under CI
// (peers.Need); without vtest.avi (make deps) it fails.
func TestDemoFleetFFprobe(t *testing.T) {
	t.Parallel()
	peers.Need(t, "ffprobe", "ffmpeg")
	if _, err := sim.VTestPath(); err != nil {
		t.Fatal("people scenes need vtest.avi (make deps): ", err)
	}
	fleet, err := sim.LoadFleet("../../configs/sim-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cams, refused := fleet.Resolve(func(k string) (string, bool) { return "demo-pass", k == "ARGUS_DEMO_CAM_PASSWORD" })
	if len(refused) > 0 {
		t.Fatal(refused)
	}
	s := sim.New(sim.Options{Listen: "127.0.0.1:0", Log: peers.TestLog(t)})
	for _, c := range cams {
		c.Flap = nil
		if err := s.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// A cold cache encodes the whole fleet first: allow for it.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	t.Cleanup(cancel) // the parallel subtests run after this function returns
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range cams {
		t.Run(c.Path, func(t *testing.T) {
			t.Parallel()
			u := url.URL{Scheme: "rtsp", Host: s.Addr(), Path: "/" + c.Path}
			if c.User != "" {
				u.User = url.UserPassword(c.User, c.Pass)
			}
			got, err := probe(ctx, u.String())
			if err != nil {
				t.Fatal(err)
			}
			spec := c.Scene.WithDefaults()
			want := map[sim.Codec]string{sim.H264: "h264", sim.H265: "hevc"}[spec.Codec]
			if got.Codec != want || got.Width != spec.Width || got.Height != spec.Height {
				t.Fatalf("ffprobe sees %s %dx%d, the fleet promises %s %dx%d",
					got.Codec, got.Width, got.Height, want, spec.Width, spec.Height)
			}
		})
	}
}

type probed struct {
	Codec  string `json:"codec_name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

func probe(ctx context.Context, url string) (probed, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
		"-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height", "-of", "json", url).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return probed{}, errors.New(string(ee.Stderr))
		}
		return probed{}, err
	}
	var res struct{ Streams []probed }
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) != 1 {
		return probed{}, errors.New("ffprobe output: " + string(out))
	}
	return res.Streams[0], nil
}
