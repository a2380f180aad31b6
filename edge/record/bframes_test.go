package record

import (
	"context"
	"encoding/json"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/rtsp"
)

// TestBFramesRecorded records a camera that sends B-frames. What is
// simulated: the camera is ffmpeg encoding a live test pattern with
// libx264 -bf 2 (and libx265 with B-frames), published over RTSP to a
// relay (gortsplib's server) from which our RTSP driver pulls it, as the
// edge pulls a camera. The segment is read by the real ffprobe: no error,
// decode times strictly increasing, presentation times all distinct and
// some out of decode order (B-frames really were recorded as such), every
// frame pulled from the first keyframe on is in the file, and ffmpeg
// decodes it without an error.
func TestBFramesRecorded(t *testing.T) {
	for _, tc := range []struct{ name, enc string }{
		{"h264", "libx264"},
		{"h265", "libx265"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peers.Need(t, "ffmpeg", "ffmpeg")
			url := peers.RTSPRelay(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args := []string{"-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
				"-t", "6", "-c:v", tc.enc, "-preset", "ultrafast", "-bf", "2", "-g", "25"}
			if tc.enc == "libx265" {
				args = append(args, "-x265-params", "bframes=2:keyint=25:min-keyint=25:b-adapt=0:log-level=error")
			} else {
				args = append(args, "-x264-params", "b-adapt=0:scenecut=0")
			}
			args = append(args, "-f", "rtsp", "-rtsp_transport", "tcp", url)
			ff := exec.CommandContext(ctx, "ffmpeg", args...)
			var fflog peers.LogBuffer
			ff.Stderr = &fflog
			defer func() {
				if t.Failed() {
					t.Logf("ffmpeg: %s", fflog.String())
				}
			}()
			if err := ff.Start(); err != nil {
				t.Fatal(err)
			}
			defer ff.Wait()

			dir := t.TempDir()
			r, h := newRecorder(t, dir, Options{Segment: time.Hour}, map[string]Policy{"cam": {Mode: ModeContinuous}})
			st := h.Open("cam")
			var fromKey atomic.Int64 // units from the first keyframe on
			pulled := make(chan error, 1)
			pctx, stop := context.WithCancel(ctx)
			go func() {
				var deadline = time.Now().Add(20 * time.Second)
				for { // the relay has no stream until ffmpeg announced it
					err := rtsp.Pull(pctx, rtsp.Options{URL: url, OnUnit: func(u *media.Unit) {
						if u.Key || fromKey.Load() > 0 {
							fromKey.Add(1)
						}
						st.Publish(u)
					}})
					if fromKey.Load() > 0 || pctx.Err() != nil || time.Now().After(deadline) {
						pulled <- err
						return
					}
					time.Sleep(100 * time.Millisecond) // a retry of a pull, not a synchronisation
				}
			}()
			waitFor(t, func() bool { return fromKey.Load() >= 100 })
			stop()
			<-pulled
			rd := st.Readers()[0]
			waitFor(t, func() bool { return rd.Queued() == 0 })
			r.Close()
			segs := r.ix.find("cam", time.Time{}, time.Time{})
			if len(segs) != 1 {
				t.Fatalf("%d segments, want 1", len(segs))
			}
			decodeAll(t, segs[0].Path)
			dts, pts := packets(t, segs[0].Path)
			if int64(len(dts)) != fromKey.Load() {
				t.Errorf("%d frames in the file, %d pulled from the first keyframe", len(dts), fromKey.Load())
			}
			reordered := 0
			seen := map[float64]bool{}
			for i := range dts {
				if i > 0 && dts[i] <= dts[i-1] {
					t.Fatalf("frame %d: DTS %.4f after %.4f: not increasing", i, dts[i], dts[i-1])
				}
				if pts[i] < dts[i]-1e-6 {
					t.Errorf("frame %d: PTS %.4f before its DTS %.4f", i, pts[i], dts[i])
				}
				if seen[pts[i]] {
					t.Errorf("frame %d: PTS %.4f twice", i, pts[i])
				}
				seen[pts[i]] = true
				if i > 0 && pts[i] < pts[i-1] {
					reordered++
				}
			}
			if reordered == 0 {
				t.Errorf("no frame presented before the one decoded ahead of it: B-frames were not recorded as B-frames")
			}
		})
	}
}

// packets reads a file's packets' decode and presentation times with
// ffprobe, failing on anything ffprobe reports.
func packets(t *testing.T, path string) (dts, pts []float64) {
	t.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
		"packet=dts_time,pts_time", "-of", "json", path)
	var stderr peers.LogBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.String() != "" {
		t.Fatalf("ffprobe %s: %v %s", path, err, stderr.String())
	}
	var raw struct {
		Packets []map[string]string `json:"packets"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	for _, p := range raw.Packets {
		d, err1 := strconv.ParseFloat(p["dts_time"], 64)
		q, err2 := strconv.ParseFloat(p["pts_time"], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("ffprobe packet without times: %v", p)
		}
		dts, pts = append(dts, d), append(pts, q)
	}
	return dts, pts
}
