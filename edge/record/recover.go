package record

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
)

// recoverOpen closes a file a crash left open: it cuts the file back to
// its last whole moof+mdat pair, reads the end time from that fragment and
// renames the file as if it had closed. A file without one whole fragment
// is removed.
func recoverOpen(path string, start time.Time) (entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return entry{}, err
	}
	head, cut := wholeFragments(data)
	if cut <= head {
		return entry{}, os.Remove(path)
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(data[head:cut]); err != nil || len(parts) == 0 || len(parts[len(parts)-1].Tracks) == 0 {
		os.Remove(path)
		return entry{}, fmt.Errorf("%s: unreadable fragments, removed: %v", path, err)
	}
	last := parts[len(parts)-1].Tracks[0]
	ticks := last.BaseTime
	for _, s := range last.Samples {
		ticks += uint64(s.Duration)
	}
	if err := os.Truncate(path, int64(cut)); err != nil {
		return entry{}, err
	}
	end := start.Add(time.Duration(ticks) * time.Second / clockRate)
	e := entry{Path: filepath.Join(filepath.Dir(path), stamp(start)+"-"+stamp(end)+".mp4"), Start: start, End: end, Size: int64(cut)}
	return e, os.Rename(path, e.Path)
}

// wholeFragments walks the top-level boxes: head is where the first moof
// starts (after ftyp and moov), cut is the end of the last moof whose mdat
// is whole.
func wholeFragments(b []byte) (head, cut int) {
	off, moof := 0, -1
	for off+8 <= len(b) {
		size := int(binary.BigEndian.Uint32(b[off:]))
		typ := string(b[off+4 : off+8])
		if size == 1 && off+16 <= len(b) {
			size = int(binary.BigEndian.Uint64(b[off+8:]))
		}
		if size < 8 || off+size > len(b) {
			break
		}
		switch typ {
		case "moov":
			head, cut = off+size, off+size
		case "moof":
			moof = off
		case "mdat":
			if moof >= 0 {
				cut = off + size
			}
			moof = -1
		}
		off += size
	}
	return head, cut
}
