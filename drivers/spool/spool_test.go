package spool

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/peers"
)

// openTestQueue opens a queue bounded by max records (and 1 GiB).
func openTestQueue(t *testing.T, dir string, max int, segBytes int64) (*Spool, *peers.LogBuffer) {
	t.Helper()
	return openBoundedQueue(t, dir, Limits{Count: max, Bytes: 1 << 30}, segBytes)
}

func openBoundedQueue(t *testing.T, dir string, lim Limits, segBytes int64) (*Spool, *peers.LogBuffer) {
	t.Helper()
	lb := &peers.LogBuffer{}
	q, err := Open(dir, Options{Limits: lim, SegmentBytes: segBytes, TopicPrefix: "argus/v1"}, zerolog.New(lb))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q, lb
}

func appendN(t *testing.T, q *Spool, n int) []uint64 {
	t.Helper()
	var seqs []uint64
	for i := range n {
		seq, err := q.Append("argus/v1/anomalies/s/c", func(seq uint64) ([]byte, error) {
			return fmt.Appendf(nil, `{"n":%d,"seq":%d}`, i, seq), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

// drain takes every waiting Record, acking each, and returns their seqs.
func drain(t *testing.T, q *Spool) []uint64 {
	t.Helper()
	var got []uint64
	for q.Stats().Depth > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := q.Next(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Seq)
		q.Ack(r.Seq)
	}
	return got
}

func TestQueueDeliversInOrderAndReopensWhereItStopped(t *testing.T) {
	dir := t.TempDir()
	q, _ := openTestQueue(t, dir, 100, 256) // tiny segments: several files
	seqs := appendN(t, q, 10)
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Fatalf("seqs not contiguous: %v", seqs)
		}
	}
	// Deliver 4, then "crash" (close without acking the rest).
	for i := range 4 {
		r, err := q.Next(context.Background())
		if err != nil || r.Seq != seqs[i] {
			t.Fatalf("next = %d %v, want %d", r.Seq, err, seqs[i])
		}
		q.Ack(r.Seq)
	}
	q.Close()

	q2, _ := openTestQueue(t, dir, 100, 256)
	if got := drain(t, q2); fmt.Sprint(got) != fmt.Sprint(seqs[4:]) {
		t.Fatalf("after reopen got %v, want %v", got, seqs[4:])
	}
	more := appendN(t, q2, 1)
	if more[0] != seqs[9]+1 {
		t.Fatalf("seq after reopen %d, want %d", more[0], seqs[9]+1)
	}
	drain(t, q2)
	// Delivered segments are deleted: only the active one is left.
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) != 1 {
		t.Fatalf("segments left after delivering everything: %v", segs)
	}
}

func TestQueueSeqStartsAtTheClockForANewDirectory(t *testing.T) {
	before := uint64(time.Now().UnixMicro())
	q, _ := openTestQueue(t, t.TempDir(), 10, 0)
	if s := appendN(t, q, 1)[0]; s <= before {
		t.Fatalf("first seq %d not past the clock %d", s, before)
	}
}

// Simulated: a crash in the middle of writing the last record (the file
// is truncated inside it).
func TestQueueSkipsATornLastRecord(t *testing.T) {
	dir := t.TempDir()
	q, _ := openTestQueue(t, dir, 100, 0)
	seqs := appendN(t, q, 5)
	q.Close()
	seg := onlySegment(t, dir)
	st, _ := os.Stat(seg)
	if err := os.Truncate(seg, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	q2, lb := openTestQueue(t, dir, 100, 0)
	if got := drain(t, q2); fmt.Sprint(got) != fmt.Sprint(seqs[:4]) {
		t.Fatalf("got %v, want %v", got, seqs[:4])
	}
	if q2.Stats().Corrupt != 1 || !strings.Contains(lb.String(), "torn") || !strings.Contains(lb.String(), `"level":"error"`) {
		t.Fatalf("corrupt=%d log=%s", q2.Stats().Corrupt, lb)
	}
}

// Simulated: a damaged byte inside the third of six records on disk.
func TestQueueSkipsADamagedRecordAndKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	q, _ := openTestQueue(t, dir, 100, 0)
	seqs := appendN(t, q, 6)
	q.Close()
	seg := onlySegment(t, dir)
	b, _ := os.ReadFile(seg)
	recLen := len(b) / 6 // equal sizes: payloads are the same length
	b[2*recLen+recordHeader+3] ^= 0xff
	os.WriteFile(seg, b, 0o640)
	q2, _ := openTestQueue(t, dir, 100, 0)
	want := append(append([]uint64{}, seqs[:2]...), seqs[3:]...)
	if got := drain(t, q2); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestQueueBoundDropsTheOldest(t *testing.T) {
	q, lb := openTestQueue(t, t.TempDir(), 10, 0)
	seqs := appendN(t, q, 25)
	s := q.Stats()
	if s.Dropped != 15 || s.Depth != 10 || s.Queued != 25 {
		t.Fatalf("stats %+v", s)
	}
	if got := drain(t, q); fmt.Sprint(got) != fmt.Sprint(seqs[15:]) {
		t.Fatalf("got %v, want the newest 10 %v", got, seqs[15:])
	}
	if n := strings.Count(lb.String(), "dropping the oldest"); n != 1 {
		t.Fatalf("%d drop log lines, want 1 per overflow episode:\n%s", n, lb)
	}
}

// Simulated: anomaly starts with 30 KB snapshots (random-looking bytes
// standing in for the JPEG) while the broker is away, in two overflow
// episodes. The byte bound, not the count, drops the oldest; each episode
// is logged once when it begins and once when appends fit again.
func TestQueueByteBoundDropsTheOldestAndLogsOncePerEpisode(t *testing.T) {
	const topic = "argus/v1/anomalies/s/c"
	snapshot := bytes.Repeat([]byte{0xa5}, 30<<10)
	one, err := AppendRecord(nil, Record{Seq: 1, Topic: topic, Payload: snapshot})
	if err != nil {
		t.Fatal(err)
	}
	rec := int64(len(one))
	q, lb := openBoundedQueue(t, t.TempDir(), Limits{Count: 1000, Bytes: 4*rec + rec/2}, 0)
	appendBig := func(n int) []uint64 {
		var seqs []uint64
		for range n {
			seq, err := q.Append(topic, func(uint64) ([]byte, error) { return snapshot, nil })
			if err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, seq)
		}
		return seqs
	}
	seqs := appendBig(20)
	if s := q.Stats(); s.Dropped != 16 || s.Depth != 4 || s.Bytes != 4*rec {
		t.Fatalf("stats %+v, want 16 dropped and 4 records (%d bytes) waiting", s, 4*rec)
	}
	if n := strings.Count(lb.String(), "dropping the oldest"); n != 1 || !strings.Contains(lb.String(), `"queue_max_bytes":`) {
		t.Fatalf("%d drop log lines naming the byte bound, want 1 for the episode:\n%s", n, lb)
	}
	if got := drain(t, q); fmt.Sprint(got) != fmt.Sprint(seqs[16:]) {
		t.Fatalf("delivered %v, want the newest 4 %v", got, seqs[16:])
	}

	appendBig(1) // the broker drained the queue: this one fits
	if !strings.Contains(lb.String(), `"dropped":16`) || !strings.Contains(lb.String(), "back within its bound") {
		t.Fatalf("the end of the episode is not logged with its count:\n%s", lb)
	}
	appendBig(10) // a second outage
	if s := q.Stats(); s.Dropped != 16+7 || s.Depth != 4 {
		t.Fatalf("stats after the second episode %+v, want 23 dropped and 4 waiting", s)
	}
	if n := strings.Count(lb.String(), "dropping the oldest"); n != 2 {
		t.Fatalf("%d drop log lines after two episodes, want 2:\n%s", n, lb)
	}
}

// A record bigger than the whole byte bound is kept alone rather than
// dropped on arrival: the newest anomaly is the one that matters.
func TestQueueKeepsTheNewestRecordAboveTheByteBound(t *testing.T) {
	q, _ := openBoundedQueue(t, t.TempDir(), Limits{Count: 10, Bytes: 10}, 0)
	seqs := appendN(t, q, 3)
	if got := drain(t, q); fmt.Sprint(got) != fmt.Sprint(seqs[2:]) {
		t.Fatalf("delivered %v, want only the newest %v", got, seqs[2:])
	}
}

// A queue reopened with a smaller bound drops its oldest at once.
func TestQueueReopenedWithASmallerByteBoundDrops(t *testing.T) {
	dir := t.TempDir()
	q, _ := openTestQueue(t, dir, 100, 0)
	seqs := appendN(t, q, 10)
	per := q.Stats().Bytes / 10
	q.Close()
	q2, lb := openBoundedQueue(t, dir, Limits{Count: 100, Bytes: 3 * per}, 0)
	if s := q2.Stats(); s.Dropped != 7 || !strings.Contains(lb.String(), "dropping the oldest") {
		t.Fatalf("stats %+v after reopening with room for 3; log:\n%s", s, lb)
	}
	if got := drain(t, q2); fmt.Sprint(got) != fmt.Sprint(seqs[7:]) {
		t.Fatalf("delivered %v, want %v", got, seqs[7:])
	}
}

func TestQueueDamagedAckFileRedeliversEverything(t *testing.T) {
	dir := t.TempDir()
	q, _ := openTestQueue(t, dir, 100, 0)
	seqs := appendN(t, q, 3)
	drain(t, q)
	more := appendN(t, q, 2)
	q.Close()
	os.WriteFile(filepath.Join(dir, ackFileName), []byte("garbage-bytes"), 0o640)
	q2, lb := openTestQueue(t, dir, 100, 0)
	got := drain(t, q2)
	// Everything still on disk comes again (here the delivered three share
	// the segment of the two undelivered); receivers drop repeats by seq.
	all := append(append([]uint64{}, seqs...), more...)
	if fmt.Sprint(got) != fmt.Sprint(all) || !strings.Contains(lb.String(), "acked offset damaged") {
		t.Fatalf("got %v, want %v; log %s", got, all, lb)
	}
}

func onlySegment(t *testing.T, dir string) string {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	var nonEmpty []string
	for _, s := range segs {
		if st, _ := os.Stat(s); st.Size() > 0 {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if len(nonEmpty) != 1 {
		t.Fatalf("want one segment with records, have %v", segs)
	}
	return nonEmpty[0]
}
