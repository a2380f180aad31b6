package record

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDirectWritesAppend writes pieces of awkward sizes (less than a
// block, across blocks, several blocks) with direct I/O: after each
// write the file holds exactly what was written, then zeros to the block;
// a truncate to the size written leaves exactly the data. Where the test
// folder's file system refuses O_DIRECT, openDirect says so with no error.
func TestDirectWritesAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.mp4")
	f, err := openDirect(path)
	if err != nil {
		t.Fatal(err)
	}
	if f == nil {
		probe, perr := os.OpenFile(path+".probe", os.O_CREATE|os.O_WRONLY|syscall.O_DIRECT, 0o600)
		if !errors.Is(perr, syscall.EINVAL) {
			t.Fatalf("openDirect refused a folder whose file system takes O_DIRECT (%v)", perr)
		}
		probe.Close()
		t.Skip("the test folder's file system has no direct I/O: files there are written through the page cache")
	}
	defer f.Close()
	var d direct
	var want []byte
	for i, n := range []int{100, 5000, 3996, 1, 8192, 12345, 0, 4096} {
		p := bytes.Repeat([]byte{byte(i + 1)}, n)
		got, err := d.write(f, [][]byte{p[:n/2], p[n/2:]})
		if err != nil || got != n {
			t.Fatalf("write %d: %d, %v", n, got, err)
		}
		want = append(want, p...)
		disk, _ := os.ReadFile(path)
		if len(disk)%block != 0 || !bytes.Equal(disk[:len(want)], want) || bytes.ContainsFunc(disk[len(want):], func(r rune) bool { return r != 0 }) {
			t.Fatalf("after %d bytes: the file has %d bytes, not the data then zeros to a block", len(want), len(disk))
		}
	}
	if err := f.Truncate(int64(len(want))); err != nil {
		t.Fatal(err)
	}
	if disk, _ := os.ReadFile(path); !bytes.Equal(disk, want) {
		t.Fatalf("after the truncate: %d bytes, want the %d written", len(disk), len(want))
	}
}
