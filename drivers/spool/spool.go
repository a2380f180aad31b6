package spool

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Spool is the on-disk store-and-forward queue of an edge's anomalies
// and patrol reports, waiting for the broker.
//
// Layout: a directory of segment files named by the sequence number of
// their first record (00000000000000000042.seg), records appended to the
// newest, and a 12-byte file "acked" holding the sequence number up to
// which everything was delivered (or dropped) and its CRC.
//
// Durability: every append is written and fsynced before append returns,
// so an anomaly the caller was told is queued survives a crash or a power
// loss. The acked file is rewritten after every acknowledged run without fsync: a
// process crash loses nothing (the page cache survives it), a power loss
// may roll it back, and then some delivered anomalies are sent again —
// which receivers drop by seq. A record torn by a crash or damaged on disk
// fails its CRC: it is logged, counted and skipped; never published, never
// a crash.
//
// Bound: at most Limits.count records and Limits.bytes bytes of records
// wait (the byte bound because a start carries a 20–40 KB snapshot, so a
// count alone puts no ceiling on the disk). Appending beyond either drops
// the OLDEST waiting records, counted, and logged once per overflow
// episode: during a long outage the newest anomalies matter most to the
// command center. The newest record is always kept, even alone above the
// byte bound. The files may hold up to two segments (segBytes each) more
// than the bound: delivered records leave the disk a segment at a time.
//
// Compaction: a segment is deleted once every record in it is acked or
// dropped; a new segment starts past segBytes and at every open.
type Spool struct {
	dir      string
	lim      Limits
	segBytes int64
	prefix   string
	log      zerolog.Logger

	wmu     sync.Mutex // serialises appends: seq, write, fsync, rolling
	lastSeq uint64     // the last sequence number assigned; under wmu
	buf     []byte     // encoding buffer; under wmu

	mu       sync.Mutex // guards everything below
	pending  []entry    // waiting records, oldest first
	active   *segment   // written under both wmu and mu
	ackF     *os.File
	acked    uint64
	stats    Stats
	overflow uint64 // records dropped in the current overflow episode
	closed   bool
	ready    chan struct{} // capacity 1: a record was appended
}

// Stats counts what went through the queue since it was opened;
// Depth is the number of records waiting now.
type Stats struct {
	Queued    uint64 // anomalies appended
	Delivered uint64 // anomalies the broker acknowledged
	Dropped   uint64 // oldest anomalies dropped to keep within the bound
	Corrupt   uint64 // damaged or torn records skipped
	Depth     int    // anomalies waiting to be delivered
	Bytes     int64  // bytes of the records waiting, as written on disk
}

// Limits bound what waits in a spool.
type Limits struct {
	Count int   // records
	Bytes int64 // bytes of records, headers included
}

// segment is one file of records.
type segment struct {
	path    string
	f       *os.File
	size    int64
	pending int // records in it still waiting
}

// entry locates one waiting record.
type entry struct {
	Seq uint64
	seg *segment
	off int64
	n   int
}

const (
	// DefaultSegmentBytes is the size past which a new file starts.
	DefaultSegmentBytes = 4 << 20
	ackFileName         = "acked"
	segmentExt          = ".seg"
)

// Options shape a spool.
type Options struct {
	Limits
	// SegmentBytes is the size past which a new file starts
	// (DefaultSegmentBytes when 0).
	SegmentBytes int64
	// TopicPrefix starts every record's topic: a reader skipping damaged
	// bytes looks for it before it checks a CRC.
	TopicPrefix string
}

// Open opens (or creates) the spool in dir and indexes every record not
// yet delivered, so an edge restart delivers what it had not.
func Open(dir string, o Options, log zerolog.Logger) (*Spool, error) {
	lim, segBytes := o.Limits, o.SegmentBytes
	if lim.Count <= 0 || lim.Bytes <= 0 {
		return nil, fmt.Errorf("queue %s: bound of %d records and %d bytes: want at least 1 of each", dir, lim.Count, lim.Bytes)
	}
	if segBytes <= 0 {
		segBytes = DefaultSegmentBytes
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("queue %s: %w", dir, err)
	}
	q := &Spool{dir: dir, lim: lim, segBytes: segBytes, prefix: o.TopicPrefix, log: log, ready: make(chan struct{}, 1)}
	fresh, err := q.openAck()
	if err != nil {
		return nil, err
	}
	names, err := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	if err != nil {
		return nil, fmt.Errorf("queue %s: %w", dir, err)
	}
	sort.Strings(names) // zero-padded first Seq: name order is seq order
	q.lastSeq = q.acked
	if fresh && len(names) == 0 {
		// A new queue starts its sequence at the clock in microseconds, so
		// an edge whose queue directory was wiped still numbers past every
		// anomaly it sent before, and receivers do not drop new ones as
		// redeliveries.
		q.lastSeq = uint64(time.Now().UnixMicro())
		q.acked = q.lastSeq
		q.writeAckLocked()
	}
	var prev uint64
	for _, name := range names {
		if prev, err = q.load(name, prev); err != nil {
			q.Close()
			return nil, err
		}
	}
	if err := q.roll(); err != nil {
		q.Close()
		return nil, err
	}
	q.mu.Lock()
	q.dropOverflowLocked()
	q.mu.Unlock()
	if n := len(q.pending); n > 0 {
		q.log.Info().Int("waiting", n).Uint64("first_seq", q.pending[0].Seq).Msg("anomaly queue reopened with undelivered anomalies")
	}
	return q, nil
}

// openAck opens the acked file and reads it; fresh is true when the file
// was just created.
func (q *Spool) openAck() (fresh bool, err error) {
	f, err := os.OpenFile(filepath.Join(q.dir, ackFileName), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return false, fmt.Errorf("queue %s: %w", q.dir, err)
	}
	q.ackF = f
	var b [12]byte
	n, _ := f.ReadAt(b[:], 0)
	switch {
	case n == 0:
		return true, nil
	case n == len(b) && crc32.Checksum(b[:8], crcTable) == binary.BigEndian.Uint32(b[8:]):
		q.acked = binary.BigEndian.Uint64(b[:])
	default:
		// Without a trustworthy offset everything on disk is sent again;
		// receivers drop the ones they had by seq.
		q.log.Error().Str("file", f.Name()).Msg("anomaly queue: acked offset damaged, redelivering every queued anomaly")
	}
	return false, nil
}

// load indexes the waiting records of one segment file. prev is the
// highest seq read so far; a record must be above it.
func (q *Spool) load(path string, prev uint64) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return prev, fmt.Errorf("queue: %w", err)
	}
	seg := &segment{path: path, size: int64(len(data))}
	for off := 0; off < len(data); {
		r, n, err := DecodeRecord(data[off:])
		if err == nil && r.Seq <= prev {
			err = fmt.Errorf("%w: seq %d after %d", ErrCorrupt, r.Seq, prev)
		}
		if err != nil {
			next := resync(data, off+1, prev, q.prefix)
			q.stats.Corrupt++
			q.log.Error().Err(err).Str("segment", filepath.Base(path)).Int("offset", off).
				Int("skipped_bytes", next-off).Msg("anomaly queue: damaged or torn record skipped")
			off = next
			continue
		}
		prev = r.Seq
		q.lastSeq = max(q.lastSeq, r.Seq)
		if r.Seq > q.acked {
			q.pushLocked(entry{Seq: r.Seq, seg: seg, off: int64(off), n: n})
		}
		off += n
	}
	if seg.pending == 0 {
		return prev, removeFile(path)
	}
	if seg.f, err = os.Open(path); err != nil {
		return prev, fmt.Errorf("queue: %w", err)
	}
	return prev, nil
}

// resync finds the next offset from which a whole record with a seq above
// prev decodes, or len(data). It looks for the topic root first: cheap,
// and it keeps the CRC from being computed at every byte.
func resync(data []byte, from int, prev uint64, prefix string) int {
	for o := from; o+recordHeader+recordMinBody <= len(data); o++ {
		body := data[o+recordHeader:]
		if binary.BigEndian.Uint64(body) <= prev || !strings.HasPrefix(string(body[recordMinBody:min(len(body), recordMinBody+len(prefix))]), prefix) {
			continue
		}
		if r, _, err := DecodeRecord(data[o:]); err == nil && r.Seq > prev {
			return o
		}
	}
	return len(data)
}

// roll starts a new active segment; the old one goes once it is delivered.
// Callers hold wmu, or are Open.
func (q *Spool) roll() error {
	path := filepath.Join(q.dir, fmt.Sprintf("%020d%s", q.lastSeq+1, segmentExt))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("queue: new segment: %w", err)
	}
	if err := syncDir(q.dir); err != nil {
		f.Close()
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	old := q.active
	q.active = &segment{path: path, f: f}
	if old != nil && old.pending == 0 {
		q.removeLocked(old)
	}
	return nil
}

// Append assigns the next seq, builds the payload with it, and writes and
// fsyncs the record before returning: once it returns nil the anomaly
// survives a crash.
func (q *Spool) Append(topic string, build func(seq uint64) ([]byte, error)) (uint64, error) {
	q.wmu.Lock()
	defer q.wmu.Unlock()
	if q.Closed() {
		return 0, errors.New("anomaly queue closed")
	}
	seq := q.lastSeq + 1
	payload, err := build(seq)
	if err != nil {
		return 0, err
	}
	if q.buf, err = AppendRecord(q.buf[:0], Record{Seq: seq, Topic: topic, Payload: payload}); err != nil {
		return 0, err
	}
	if q.active.size > 0 && q.active.size+int64(len(q.buf)) > q.segBytes {
		if err := q.roll(); err != nil {
			return 0, err
		}
	}
	seg := q.active
	if err := writeSync(seg.f, q.buf); err != nil {
		// Cut off whatever part was written, so the file stays a clean
		// sequence of records and a retry does not reuse a seq on disk.
		_ = seg.f.Truncate(seg.size)
		return 0, fmt.Errorf("anomaly queue: write %s: %w", filepath.Base(seg.path), err)
	}
	q.lastSeq = seq
	q.mu.Lock()
	q.pushLocked(entry{Seq: seq, seg: seg, off: seg.size, n: len(q.buf)})
	seg.size += int64(len(q.buf))
	q.stats.Queued++
	q.dropOverflowLocked()
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return seq, nil
}

// writeSync writes b and fsyncs the file.
func writeSync(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}

// dropOverflowLocked drops the oldest waiting records beyond either bound
// (keeping the newest). It logs once when an overflow episode begins and
// once when an append fits again, not once per anomaly: a long outage
// drops thousands, and the counter has the total.
func (q *Spool) dropOverflowLocked() {
	if !q.overBoundLocked() {
		if q.overflow > 0 {
			q.log.Info().Uint64("dropped", q.overflow).Uint64("dropped_total", q.stats.Dropped).
				Msg("anomaly queue back within its bound; no more anomalies dropped")
			q.overflow = 0
		}
		return
	}
	if q.overflow == 0 {
		q.log.Warn().Int("queue_max", q.lim.Count).Int64("queue_max_bytes", q.lim.Bytes).
			Int("waiting", len(q.pending)).Int64("waiting_bytes", q.stats.Bytes).
			Uint64("dropped_total", q.stats.Dropped).
			Msg("anomaly queue full: dropping the oldest undelivered anomalies")
	}
	for q.overBoundLocked() {
		q.popLocked()
		q.stats.Dropped++
		q.overflow++
	}
	q.writeAckLocked()
}

// overBoundLocked tells whether the waiting records exceed a bound and
// more than the newest one waits.
func (q *Spool) overBoundLocked() bool {
	return len(q.pending) > 1 && (len(q.pending) > q.lim.Count || q.stats.Bytes > q.lim.Bytes)
}

// Next waits for the oldest waiting record and returns it; it stays
// waiting until ack.
func (q *Spool) Next(ctx context.Context) (Record, error) { return q.NextAfter(ctx, 0) }

// NextAfter waits for the oldest waiting record above seq after and
// returns it; it stays waiting until ack.
func (q *Spool) NextAfter(ctx context.Context, after uint64) (Record, error) {
	for {
		r, ok, err := q.After(after)
		if err != nil || ok {
			return r, err
		}
		select {
		case <-q.ready:
		case <-ctx.Done():
			return Record{}, ctx.Err()
		}
	}
}

// After returns the oldest waiting record above seq after, without
// waiting: ok is false when there is none (wait on appended, then ask
// again). A record damaged since it was written is logged, counted and
// skipped.
func (q *Spool) After(after uint64) (r Record, ok bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return Record{}, false, errors.New("anomaly queue closed")
		}
		i := sort.Search(len(q.pending), func(i int) bool { return q.pending[i].Seq > after })
		if i == len(q.pending) {
			return Record{}, false, nil
		}
		e := q.pending[i]
		r, err := e.read()
		if err == nil {
			return r, true, nil
		}
		q.stats.Corrupt++
		q.log.Error().Err(err).Uint64("seq", e.Seq).Str("segment", filepath.Base(e.seg.path)).
			Msg("anomaly queue: record damaged on disk, skipped")
		q.removeAtLocked(i)
	}
}

// Appended is signalled after an append: a sender waiting for records
// selects on it, then asks again with after (a signal may be stale).
func (q *Spool) Appended() <-chan struct{} { return q.ready }

// read reads the entry's record back from its segment.
func (e entry) read() (Record, error) {
	b := make([]byte, e.n)
	if _, err := e.seg.f.ReadAt(b, e.off); err != nil {
		return Record{}, err
	}
	r, _, err := DecodeRecord(b)
	if err == nil && r.Seq != e.Seq {
		err = fmt.Errorf("%w: seq %d where %d was written", ErrCorrupt, r.Seq, e.Seq)
	}
	return r, err
}

// Ack marks every waiting record up to seq delivered: the sender calls it
// with the last of a run of acknowledged records only once every Record
// before that run is acknowledged too, so nothing is deleted while an
// earlier one may still need sending. Records the bound dropped while in
// flight are gone already: nothing to do for them.
func (q *Spool) Ack(seq uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for ; len(q.pending) > 0 && q.pending[0].Seq <= seq; n++ {
		q.popLocked()
		q.stats.Delivered++
	}
	if n > 0 {
		q.writeAckLocked()
	}
}

// removeAtLocked removes the i-th waiting Record, unreadable, without
// moving the acked offset unless it is the oldest.
func (q *Spool) removeAtLocked(i int) {
	if i == 0 {
		q.popLocked()
		q.writeAckLocked()
		return
	}
	e := q.pending[i]
	q.pending = append(q.pending[:i], q.pending[i+1:]...)
	q.stats.Bytes -= int64(e.n)
	e.seg.pending--
	if e.seg.pending == 0 && e.seg != q.active {
		q.removeLocked(e.seg)
	}
}

// pushLocked adds a waiting record at the end.
func (q *Spool) pushLocked(e entry) {
	q.pending = append(q.pending, e)
	e.seg.pending++
	q.stats.Bytes += int64(e.n)
}

// popLocked removes the oldest waiting Record, moves the acked offset past
// it and deletes its segment when nothing in it waits any more. The caller
// writes the offset (writeAckLocked) once it has popped what it pops.
func (q *Spool) popLocked() {
	e := q.pending[0]
	q.pending[0] = entry{}
	q.pending = q.pending[1:]
	q.stats.Bytes -= int64(e.n)
	e.seg.pending--
	q.acked = e.Seq
	if e.seg.pending == 0 && e.seg != q.active {
		q.removeLocked(e.seg)
	}
}

// writeAckLocked rewrites the acked offset in place (no fsync: see Spool).
func (q *Spool) writeAckLocked() {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:], q.acked)
	binary.BigEndian.PutUint32(b[8:], crc32.Checksum(b[:8], crcTable))
	if _, err := q.ackF.WriteAt(b[:], 0); err != nil {
		q.log.Error().Err(err).Msg("anomaly queue: cannot write the acked offset; a restart will resend delivered anomalies")
	}
}

// removeLocked deletes a fully delivered segment.
func (q *Spool) removeLocked(s *segment) {
	if s.f != nil {
		s.f.Close()
	}
	if err := removeFile(s.path); err != nil {
		q.log.Warn().Err(err).Msg("anomaly queue: cannot delete a delivered segment")
	}
}

// removeFile deletes a file that may already be gone.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("queue: %w", err)
	}
	return nil
}

// syncDir fsyncs a directory so a created file's entry is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("queue: fsync %s: %w", dir, err)
	}
	return nil
}

// Stats returns the counters and the current depth.
func (q *Spool) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.stats
	s.Depth = len(q.pending)
	return s
}

// Closed tells whether Close was called.
func (q *Spool) Closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// Close closes the files; the queue stays on disk for the next open.
func (q *Spool) Close() {
	q.wmu.Lock()
	defer q.wmu.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	closed := map[*segment]bool{}
	for _, e := range q.pending {
		if !closed[e.seg] && e.seg.f != nil {
			e.seg.f.Close()
			closed[e.seg] = true
		}
	}
	if q.active != nil && !closed[q.active] {
		q.active.f.Close()
	}
	if q.ackF != nil {
		q.ackF.Close()
	}
	select {
	case q.ready <- struct{}{}: // wake a waiting next
	default:
	}
}
