package record

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestSegmentsPlay records 25 s of an H.264 and an H.265 camera
// continuously: 10 s segments, each starting at a keyframe, that ffprobe
// reads and ffmpeg decodes without an error, covering the whole time.
func TestSegmentsPlay(t *testing.T) {
	for _, codec := range []sim.Codec{sim.H264, sim.H265} {
		t.Run(string(codec), func(t *testing.T) {
			sc := scene(t, codec)
			dir := t.TempDir()
			r, h := newRecorder(t, dir, Options{}, map[string]Policy{"cam": {Mode: ModeContinuous}})
			start := start0
			play(t, h, "cam", sc, start, 25*time.Second, nil)
			r.Close()
			segs := r.ix.find("cam", time.Time{}, time.Time{})
			if len(segs) != 3 {
				t.Fatalf("%d segments, want 3 (10 s, 10 s, 5 s): %+v", len(segs), segs)
			}
			if !segs[0].Start.Equal(start) || !segs[2].End.Equal(start.Add(25*time.Second)) {
				t.Errorf("segments span %v..%v, want %v..+25s", segs[0].Start, segs[2].End, start)
			}
			for i, e := range segs {
				d, _ := probe(t, e.Path)
				if want := e.End.Sub(e.Start).Seconds(); d < want-0.15 || d > want+0.15 {
					t.Errorf("segment %d: ffprobe says %.2fs, name says %.2fs", i, d, want)
				}
				if i > 0 && !e.Start.Equal(segs[i-1].End) {
					t.Errorf("gap between segments %d and %d", i-1, i)
				}
				decodeAll(t, e.Path)
			}
		})
	}
}

// TestClipHoldsPreRoll cuts a clip of an anomaly seen 20 s into the video
// of a camera recorded for events only: the clip starts ≥ 9 s before the
// anomaly's frame, ends the post-roll after its end, plays, and no
// continuous segment is written.
func TestClipHoldsPreRoll(t *testing.T) {
	sc := scene(t, sim.H264)
	dir := t.TempDir()
	r, h := newRecorder(t, dir, Options{}, map[string]Policy{"cam": {Mode: ModeEvents}})
	start := start0
	ft, end := start.Add(20*time.Second), start.Add(25*time.Second)
	sent := 0
	play(t, h, "cam", sc, start, 45*time.Second, func(now time.Time) {
		// the analysis reports an anomaly after its frame: half a second late
		if sent == 0 && now.After(ft.Add(500*time.Millisecond)) {
			r.Observe(anomaly("a1", "cam", bus.StateStart, ft))
			sent++
		}
		if sent == 1 && now.After(end.Add(500*time.Millisecond)) {
			r.Observe(anomaly("a1", "cam", bus.StateEnd, end))
			sent++
		}
	})
	waitFor(t, func() bool { _, ok := r.ix.clip("a1"); return ok })
	c, _ := r.ix.clip("a1")
	if pre := ft.Sub(c.Start); pre < 9*time.Second {
		t.Errorf("clip starts %v before the anomaly's frame, want ≥ 9s", pre)
	}
	d, first := probe(t, c.Path)
	if got := c.Start.Add(time.Duration((first + d) * float64(time.Second))); got.Before(end.Add(9 * time.Second)) {
		t.Errorf("clip ends at %v, want ≥ the anomaly's end + 9 s (%v)", got, end.Add(9*time.Second))
	}
	decodeAll(t, c.Path)
	if got, want := creationTime(t, c.Path), c.Start.Format("2006-01-02T15:04:05.000000Z"); got != want {
		t.Errorf("clip creation_time %q, want its start %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "cam", segmentsDir)); !os.IsNotExist(err) {
		t.Errorf("events mode wrote segments: %v", err)
	}
}

// TestApplyFollowsCameras: a camera removed from the hub and added back
// is recorded again on the next Apply; a camera turned off stops.
func TestApplyFollowsCameras(t *testing.T) {
	r, h := newRecorder(t, t.TempDir(), Options{}, map[string]Policy{"cam": {Mode: ModeEvents}})
	h.Remove("cam")
	r.mu.Lock()
	done := r.cams["cam"].done
	r.mu.Unlock()
	<-done // the stream's close ended the camera's recorder
	r.Apply(map[string]Policy{"cam": {Mode: ModeEvents}})
	if n := len(h.Stream("cam").Readers()); n != 1 {
		t.Fatalf("%d consumers of the camera added back, want the recorder", n)
	}
	r.Apply(map[string]Policy{"cam": {Mode: ModeOff}})
	if n := len(h.Stream("cam").Readers()); n != 0 {
		t.Fatalf("%d consumers of a camera turned off, want none", n)
	}
}

// TestStalledCameraClip: a camera stops sending (it went offline) and its
// anomaly's frame is past the last video: once the stall is seen, the
// clip is cut from the ring's last seconds, and the open segment closes,
// both playable without waiting for the camera to come back.
func TestStalledCameraClip(t *testing.T) {
	sc := scene(t, sim.H264)
	r, h := newRecorder(t, t.TempDir(), Options{Stall: 200 * time.Millisecond},
		map[string]Policy{"cam": {Mode: ModeContinuous}})
	start := start0
	play(t, h, "cam", sc, start, 15*time.Second, nil)
	r.Observe(anomaly("off1", "cam", bus.StateStart, start.Add(17*time.Second)))
	waitFor(t, func() bool { _, ok := r.ix.clip("off1"); return ok })
	c, _ := r.ix.clip("off1")
	if !c.Start.Equal(start.Add(7*time.Second)) || !c.End.Equal(start.Add(15*time.Second)) {
		t.Errorf("clip %v..%v, want 7..15 s: the pre-roll the ring held", c.Start.Sub(start), c.End.Sub(start))
	}
	decodeAll(t, c.Path)
	waitFor(t, func() bool { return len(r.ix.find("cam", start.Add(11*time.Second), time.Time{})) == 1 })
	probe(t, r.ix.find("cam", start.Add(11*time.Second), time.Time{})[0].Path)
}

// TestSubstreamPolicy records a camera's substream: its segments and clips
// are filed under the camera, cut from the substream's video.
func TestSubstreamPolicy(t *testing.T) {
	sc := scene(t, sim.H264)
	r, h := newRecorder(t, t.TempDir(), Options{}, map[string]Policy{"cam": {Mode: ModeContinuous, Stream: "cam/sub"}})
	if h.Stream("cam") != nil {
		t.Fatal("the main stream was opened for a substream policy")
	}
	start := start0
	sent := false
	play(t, h, "cam/sub", sc, start, 20*time.Second, func(now time.Time) {
		if !sent && now.After(start.Add(12*time.Second)) {
			r.Observe(anomaly("s1", "cam", bus.StateStart, start.Add(12*time.Second)))
			sent = true
		}
	})
	r.Close()
	if segs := r.ix.find("cam", time.Time{}, time.Time{}); len(segs) != 2 {
		t.Fatalf("%d segments of the substream filed under the camera, want 2", len(segs))
	}
	if c, ok := r.ix.clip("s1"); !ok || !c.Start.Equal(start.Add(2*time.Second)) {
		t.Fatalf("clip %+v, want one from 2 s", c)
	}
}
