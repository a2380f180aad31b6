package record

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestRestartIndexes restarts a recorder on the folder of another: the
// clips and segments are found again, by camera and time.
func TestRestartIndexes(t *testing.T) {
	dir := t.TempDir()
	r1, start := recordWithClips(t, dir)
	before := r1.ix.find("cam", time.Time{}, time.Time{})
	r2, _ := newRecorder(t, dir, Options{}, nil)
	after := r2.ix.find("cam", time.Time{}, time.Time{})
	if len(after) != len(before) {
		t.Fatalf("%d segments after a restart, %d before", len(after), len(before))
	}
	for _, id := range []string{"a1", "a2"} {
		c1, _ := r1.ix.clip(id)
		if c2, ok := r2.ix.clip(id); !ok || c2 != c1 {
			t.Errorf("clip %s after a restart %+v, before %+v", id, c2, c1)
		}
	}
	if got := r2.ix.find("cam", start.Add(15*time.Second), start.Add(21*time.Second)); len(got) != 2 {
		t.Errorf("%d segments overlap 15..21 s, want 2", len(got))
	}
}

// TestCrashLeavesPlayableFile simulates a process killed mid-write: a
// segment file still .open, its last fragment cut short. A restart cuts
// the torn fragment off, names the file by the end of the last whole one,
// and ffmpeg decodes it without an error.
func TestCrashLeavesPlayableFile(t *testing.T) {
	sc := scene(t, sim.H265)
	dir := t.TempDir()
	seg := segmentDir(dir, "cam")
	start := start0
	var f *file
	for u := range sc.Replay(start, 3500*time.Millisecond) {
		if f == nil {
			codec, err := codecOf(u)
			if err != nil {
				t.Fatal(err)
			}
			if f, err = createFile(seg, u, codec); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := f.add(u); err != nil {
			t.Fatal(err)
		}
	}
	// the fragment of the last GOP was being written when the process died
	if err := f.flush(f.lastDTS + int64(f.lastDur)); err != nil {
		t.Fatal(err)
	}
	f.f.Close()
	torn := f.size - int64(f.lastLen/2)
	if err := os.Truncate(f.path, torn); err != nil {
		t.Fatal(err)
	}

	r, _ := newRecorder(t, dir, Options{Log: peers.TestLog(t)}, nil)
	segs := r.ix.find("cam", time.Time{}, time.Time{})
	if len(segs) != 1 || !segs[0].End.Equal(start.Add(3*time.Second)) {
		t.Fatalf("recovered %+v, want one segment of the 3 whole GOPs", segs)
	}
	if m, _ := filepath.Glob(filepath.Join(seg, "*"+openSuffix)); len(m) != 0 {
		t.Errorf("still open after recovery: %v", m)
	}
	if d, _ := probe(t, segs[0].Path); d < 2.9 || d > 3.1 {
		t.Errorf("recovered segment plays %.2fs, want 3s", d)
	}
	decodeAll(t, segs[0].Path)
}
