package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4"

	"github.com/argus-edge/argus/drivers/media"
)

const (
	// clockRate is the RTP clock of H.264 and H.265, the files' timescale.
	clockRate = 90000
	// fragmentSpan closes a fragment within a long GOP, so a crash loses
	// at most about a second.
	fragmentSpan = clockRate
	// maxGap is the largest time step taken as continuous; past it (or on
	// a step back, as after a reconnect) the file ends.
	maxGap = 5 * clockRate
)

// file is one fMP4 file being written: a segment or a clip. It is named
// <start>.open.mp4 until closed, then <start>-<end>.mp4.
type file struct {
	path     string
	f        *os.File
	start    time.Time // wall-clock time of the first frame
	codec    mp4.Codec
	firstPTS int64
	firstDTS int64
	lastDTS  int64 // the newest frame's decode time
	lastDur  uint32
	seq      uint32
	frags    int // fragments written whole
	dts      *decodeTimes
	pending  []timed
	size     int64                 // bytes written whole
	lastLen  int                   // bytes of the last fragment written
	buf      seekablebuffer.Buffer // the init segment
	fr       fragmenter
	samples  []sample
	scratch  []byte
	direct   *direct // nil: written through the page cache
}

// createFile starts a file in dir at keyframe first, writing its init
// segment.
func createFile(dir string, first *media.Unit, codec mp4.Codec) (*file, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	start := first.NTP.UTC()
	path := filepath.Join(dir, stamp(start)+openSuffix)
	f, err := openDirect(path)
	var d *direct
	if f != nil {
		d = &direct{}
	} else if err == nil {
		f, err = os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	}
	if err != nil {
		return nil, err
	}
	w := &file{path: path, f: f, start: start, codec: codec, firstPTS: first.PTS,
		lastDur: clockRate / 10, dts: newDecodeTimes(first), direct: d}
	w.firstDTS = w.dts.of(first, 0, true)
	w.lastDTS = w.firstDTS
	init := fmp4.Init{Tracks: []*fmp4.InitTrack{{ID: 1, TimeScale: clockRate, Codec: codec}}}
	err = init.Marshal(&w.buf)
	if err == nil {
		stampCreation(w.buf.Bytes(), start)
		err = w.write()
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("%s: init: %w", path, err)
	}
	first.Hold() // until written (flush)
	w.pending = append(w.pending, timed{first, w.firstDTS})
	return w, nil
}

// mp4Epoch is where MP4 times count from.
var mp4Epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)

// stampCreation sets the movie header's creation and modification times
// (version 0: seconds since 1904) to the file's start, so a player or
// ffprobe shows when the footage begins (creation_time).
func stampCreation(init []byte, start time.Time) {
	i := bytes.Index(init, []byte("mvhd"))
	if i < 4 || i+16 > len(init) || init[i+4] != 0 {
		return
	}
	secs := uint32(start.Sub(mp4Epoch) / time.Second)
	binary.BigEndian.PutUint32(init[i+8:], secs)
	binary.BigEndian.PutUint32(init[i+12:], secs)
}

// timed is a frame with its decode time.
type timed struct {
	u   *media.Unit
	dts int64
}

// fits tells whether u continues the file: same clock, no gap. A frame's
// PTS is after the decode time of every frame before it, B-frames too.
func (w *file) fits(u *media.Unit) bool {
	return u.PTS > w.lastDTS && u.PTS-w.lastDTS <= maxGap
}

// span is the time from the file's first frame to its last (in decode
// order: the same span, shifted by the reorder delay).
func (w *file) span() time.Duration {
	return time.Duration(w.lastDTS-w.firstDTS) * time.Second / clockRate
}

// spanTo is the time from the file's first frame to u.
func (w *file) spanTo(u *media.Unit) time.Duration {
	return time.Duration(u.PTS-w.firstPTS) * time.Second / clockRate
}

// add appends u, first writing the pending fragment when u starts a GOP
// or the fragment spans a second. The caller checks fits first.
func (w *file) add(u *media.Unit) error {
	dts := w.dts.of(u, w.lastDTS, false)
	var err error
	if u.Key || dts-w.pending[0].dts >= fragmentSpan {
		err = w.flush(dts)
	}
	w.lastDur = uint32(dts - w.lastDTS)
	w.lastDTS = dts
	u.Hold() // until written (flush)
	w.pending = append(w.pending, timed{u, dts})
	return err
}

// flush writes the pending units as one fragment; next is the DTS of the
// unit after them, which gives the last one its duration. Decode times
// count from the first frame's; presentation offsets are shifted so the
// first frame is also presented at 0 (negative offsets: trun version 1).
// A fragment that cannot be written is cut off whole and lost; the file
// stays playable.
func (w *file) flush(next int64) error {
	if len(w.pending) == 0 {
		return nil
	}
	units := w.pending
	w.pending = w.pending[:0]
	samples := w.samples[:0]
	for i, t := range units {
		end := next
		if i+1 < len(units) {
			end = units[i+1].dts
		}
		samples = append(samples, sample{au: t.u.AccessUnit(), duration: uint32(max(end-t.dts, 1)), nonSync: !t.u.Key,
			offset: int32((t.u.PTS - w.firstPTS) - (t.dts - w.firstDTS))})
	}
	w.seq++
	iov := w.fr.layout(w.seq, uint64(units[0].dts-w.firstDTS), samples)
	clear(samples) // the frames are the hub's: hold none past the write
	w.samples = samples[:0]
	var n int
	var err error
	if w.direct != nil {
		n, err = w.direct.write(w.f, iov)
	} else {
		n, err = writeAll(w.f, iov, &w.scratch)
	}
	for _, t := range units {
		t.u.Release() // written, or lost with the fragment
	}
	clear(units)
	if err != nil {
		w.cut(n)
		return fmt.Errorf("%s: write: %w", w.path, err)
	}
	w.size += int64(n)
	w.lastLen = n
	w.frags++
	return nil
}

// write appends the buffer (the init segment) in one call; on failure (a
// full disk) it cuts the file back to its last whole fragment.
func (w *file) write() error {
	var n int
	var err error
	if w.direct != nil {
		n, err = w.direct.write(w.f, [][]byte{w.buf.Bytes()})
	} else {
		n, err = w.f.Write(w.buf.Bytes())
	}
	if err != nil {
		w.cut(max(n, 1))
		return fmt.Errorf("%s: write: %w", w.path, err)
	}
	w.size += int64(n)
	return nil
}

// cut takes back the n bytes of a write that failed part way (a direct
// write may have written any of its blocks).
func (w *file) cut(n int) {
	if n > 0 || w.direct != nil {
		_ = w.f.Truncate(w.size)
		_, _ = w.f.Seek(w.size, 0)
	}
}

// end is the wall-clock time the last frame ends.
func (w *file) end() time.Time {
	return w.start.Add(w.span() + time.Duration(w.lastDur)*time.Second/clockRate)
}

// close writes what is pending, syncs and renames the file to its final
// name, which it returns. A file with no fragment is removed.
func (w *file) close() (entry, error) {
	err := w.flush(w.lastDTS + int64(w.lastDur))
	if w.direct != nil { // the zeros after the last block's bytes
		if terr := w.f.Truncate(w.size); err == nil {
			err = terr
		}
	}
	if serr := w.f.Sync(); err == nil {
		err = serr
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if w.frags == 0 {
		os.Remove(w.path)
		return entry{}, err
	}
	e := entry{Path: filepath.Join(filepath.Dir(w.path), stamp(w.start)+"-"+stamp(w.end())+".mp4"),
		Start: w.start, End: w.end(), Size: w.size}
	if rerr := os.Rename(w.path, e.Path); rerr != nil {
		return entry{}, rerr
	}
	return e, err
}
