package record

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestFootageReadsBack records 25 s of a camera continuously (H.264 and
// H.265) and reads it back with Segments and ReadSegment: every frame the
// recorder took, in order, at its recorded time, keyframes carrying their
// parameter sets, a keyframe every second as the scene has them. The
// camera is simulated (see helpers_test.go).
func TestFootageReadsBack(t *testing.T) {
	for _, codec := range []sim.Codec{sim.H264, sim.H265} {
		t.Run(string(codec), func(t *testing.T) {
			sc := scene(t, codec)
			dir := t.TempDir()
			r, h := newRecorder(t, dir, Options{}, map[string]Policy{"cam": {Mode: ModeContinuous}})
			start := start0
			var sent []time.Time
			play(t, h, "cam", sc, start, 25*time.Second, func(at time.Time) { sent = append(sent, at) })
			r.Close()
			segs, err := Segments(dir, "cam", start.Add(12*time.Second), start.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(segs) != 2 {
				t.Fatalf("%d segments overlap [12 s, …), want 2: %+v", len(segs), segs)
			}
			all, _ := Segments(dir, "cam", start, start.Add(time.Hour))
			var got []*media.Unit
			for _, s := range all {
				if err := ReadSegment(s, func(u *media.Unit) bool { got = append(got, u); return true }); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != len(sent) {
				t.Fatalf("read %d frames, recorded %d", len(got), len(sent))
			}
			keys := 0
			for i, u := range got {
				if d := u.NTP.Sub(sent[i]); d < -time.Millisecond || d > time.Millisecond {
					t.Fatalf("frame %d at %v, recorded at %v", i, u.NTP, sent[i])
				}
				if i > 0 && u.PTS <= got[i-1].PTS {
					t.Fatalf("frame %d: PTS %d not after %d", i, u.PTS, got[i-1].PTS)
				}
				if u.Key {
					keys++
					fr := framer{h265: codec == sim.H265}
					if !fr.hasParams(u.AU) {
						t.Fatalf("keyframe %d without parameter sets", i)
					}
				}
				if media.Codec(u.Format) != string(codec) {
					t.Fatalf("frame %d is %s", i, media.Codec(u.Format))
				}
			}
			if keys != 25 {
				t.Errorf("%d keyframes in 25 s, want 25", keys)
			}
		})
	}
}

// TestFootageRefuses: a camera id that could leave the folder is refused,
// a camera never recorded is no footage, and a corrupt segment is an
// error naming the file.
func TestFootageRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := Segments(dir, "../etc", time.Time{}, time.Now()); err == nil {
		t.Error("camera ../etc accepted")
	}
	if segs, err := Segments(dir, "never", time.Time{}, time.Now()); err != nil || len(segs) != 0 {
		t.Errorf("unrecorded camera: %v %v", segs, err)
	}
	bad := filepath.Join(dir, "bad.mp4")
	os.WriteFile(bad, []byte("\x00\x00\x00\x10moovgarbagegarb"), 0o600)
	err := ReadSegment(SegmentFile{Path: bad}, func(*media.Unit) bool { return true })
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt segment: %v, want an error naming %s", err, bad)
	}
}

// FuzzReadSegment feeds the footage reader any bytes as a segment: it
// never panics, and either reads frames or says why not. Seeds: a real
// recorded segment, whole and torn.
func FuzzReadSegment(f *testing.F) {
	dir := f.TempDir()
	sc := scene(f, sim.H264)
	var w *file
	for u := range sc.Replay(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC), 2500*time.Millisecond) {
		if w == nil {
			codec, err := codecOf(u)
			if err != nil {
				f.Fatal(err)
			}
			if w, err = createFile(dir, u, codec); err != nil {
				f.Fatal(err)
			}
			continue
		}
		w.add(u)
	}
	e, err := w.close()
	if err != nil {
		f.Fatal(err)
	}
	whole, err := os.ReadFile(e.Path)
	if err != nil {
		f.Fatal(err)
	}
	for _, n := range []int{len(whole), len(whole) / 2, 700, 40} {
		f.Add(whole[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "s.mp4")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_ = ReadSegment(SegmentFile{Path: p}, func(u *media.Unit) bool { return u != nil })
	})
}
