package record

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/sim"
)

// FuzzRecoverOpen feeds recovery any bytes as a file a crash left open:
// it never panics, and what it keeps is a prefix of the file that ends on
// a whole fragment, or nothing. Seeds: a real recorded segment, torn at
// several places.
func FuzzRecoverOpen(f *testing.F) {
	dir := f.TempDir()
	sc := scene(f, sim.H264)
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var w *file
	for u := range sc.Replay(start, 2500*time.Millisecond) {
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
	for _, n := range []int{len(whole), len(whole) - 1, len(whole) / 2, 700, 40, 8, 0} {
		f.Add(whole[:n])
	}
	f.Add(append(append([]byte{}, whole[:len(whole)/2]...), 0, 0, 0, 1, 'm', 'o', 'o', 'f', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), stamp(start)+openSuffix)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		e, err := recoverOpen(path, start)
		if err != nil || e.Path == "" {
			return
		}
		kept, rerr := os.ReadFile(e.Path)
		if rerr != nil || string(kept) != string(data[:len(kept)]) || e.Size != int64(len(kept)) {
			t.Fatalf("recovery kept %d bytes that are not a prefix of the %d given (%v)", len(kept), len(data), rerr)
		}
		if _, cut := wholeFragments(kept); cut != len(kept) {
			t.Fatalf("recovery kept a torn fragment: whole up to %d of %d", cut, len(kept))
		}
	})
}

// FuzzParseName: file names never panic the index, and a name it accepts
// is one it writes.
func FuzzParseName(f *testing.F) {
	f.Add("20261206T120000.000Z-20261206T120010.000Z.mp4")
	f.Add("20261206T120000.000Z.open.mp4")
	f.Add("-.mp4")
	f.Add("x")
	f.Fuzz(func(t *testing.T, name string) {
		if start, end, err := parseName(name); err == nil && stamp(start)+"-"+stamp(end)+".mp4" != name {
			t.Fatalf("%q accepted as %v..%v", name, start, end)
		}
		if start, ok := parseOpen(name); ok && stamp(start)+openSuffix != name {
			t.Fatalf("%q accepted as open from %v", name, start)
		}
	})
}
