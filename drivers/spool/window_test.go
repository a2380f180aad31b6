package spool

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// The window's view of the queue: after walks past records in flight
// without taking them, ack deletes a whole acknowledged run at once, and
// a reopened queue starts after the last run acknowledged.
func TestQueueAfterWalksTheWindowAndAckTakesARun(t *testing.T) {
	dir := t.TempDir()
	q, _ := openTestQueue(t, dir, 100, 256) // tiny segments: a run spans files
	seqs := appendN(t, q, 10)
	var walked []uint64
	for cursor := uint64(0); ; {
		r, ok, err := q.After(cursor)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		walked, cursor = append(walked, r.Seq), r.Seq
	}
	if fmt.Sprint(walked) != fmt.Sprint(seqs) || q.Stats().Depth != 10 {
		t.Fatalf("walked %v with %d waiting, want %v and all 10 still waiting", walked, q.Stats().Depth, seqs)
	}
	q.Ack(seqs[5])
	if s := q.Stats(); s.Depth != 4 || s.Delivered != 6 {
		t.Fatalf("after acking the run up to the 6th: %+v", s)
	}
	q.Ack(seqs[2]) // an earlier run, acknowledged late: nothing left to take
	if s := q.Stats(); s.Depth != 4 || s.Delivered != 6 {
		t.Fatalf("a late ack changed the queue: %+v", s)
	}
	q.Close()
	q2, _ := openTestQueue(t, dir, 100, 256)
	if got := drain(t, q2); fmt.Sprint(got) != fmt.Sprint(seqs[6:]) {
		t.Fatalf("after reopening got %v, want %v", got, seqs[6:])
	}
}

// Simulated: a record damaged on disk after it was written, in the middle
// of the window (the 3rd of 6). after skips it, counts and logs it; the
// records around it are walked and acknowledged as usual.
func TestQueueAfterSkipsARecordDamagedInTheWindow(t *testing.T) {
	dir := t.TempDir()
	q, lb := openTestQueue(t, dir, 100, 0)
	seqs := appendN(t, q, 6)
	seg := onlySegment(t, dir)
	b, _ := os.ReadFile(seg)
	recLen := len(b) / 6
	f, err := os.OpenFile(seg, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{b[2*recLen+recordHeader+3] ^ 0xff}, int64(2*recLen+recordHeader+3))
	f.Close()

	r, ok, err := q.After(seqs[1])
	if err != nil || !ok || r.Seq != seqs[3] {
		t.Fatalf("after the 2nd: %d %v %v, want the 4th (%d)", r.Seq, ok, err, seqs[3])
	}
	if s := q.Stats(); s.Corrupt != 1 || s.Depth != 5 || !containsAll(lb.String(), "damaged on disk", `"level":"error"`) {
		t.Fatalf("stats %+v, log %s", s, lb)
	}
	q.Ack(seqs[5])
	if s := q.Stats(); s.Depth != 0 || s.Delivered != 5 {
		t.Fatalf("after acking everything: %+v, want 5 delivered (the damaged one skipped)", s)
	}
}

// containsAll tells whether s holds every part.
func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
