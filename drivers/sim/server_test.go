package sim

import (
	"testing"
	"time"
)

// Simulated: one camera looping a 3-second empty scene at 10 fps, read by
// a gortsplib client for more than a loop. Across the loop boundary the
// RTP timestamps keep rising by one frame (9000 ticks) and the sequence
// numbers stay continuous.
func TestLoopTimestamps(t *testing.T) {
	t.Parallel()
	spec := tinySpec(Empty, H264)
	s := startServer(t, Camera{Path: "loop/main", Scene: spec})
	ctx := deadline(t)
	p := play(t, s.URL("loop/main"))

	first := p.next(ctx, t)
	prevTS, prevSeq := first.Timestamp, first.SequenceNumber
	frames := 0
	for frames < 35 { // 30 frames in a loop
		pkt := p.next(ctx, t)
		if pkt.SequenceNumber != prevSeq+1 {
			t.Fatalf("sequence %d after %d", pkt.SequenceNumber, prevSeq)
		}
		prevSeq = pkt.SequenceNumber
		if d := pkt.Timestamp - prevTS; d != 0 {
			if d != 9000 {
				t.Fatalf("frame %d: timestamp step %d, want 9000", frames, int32(d))
			}
			frames++
		}
		prevTS = pkt.Timestamp
	}
	sc, err := s.Scene("loop/main")
	if err != nil {
		t.Fatal(err)
	}
	if lt, err := s.LoopTime("loop/main"); err != nil || lt >= sc.Loop() {
		t.Fatalf("loop time %v (%v), want within %v", lt, err, sc.Loop())
	}
}

// Simulated: the ground truth of a fire scene asked at, before and past
// the end of its loop.
func TestTruthAt(t *testing.T) {
	sc := &Scene{Spec: SceneSpec{FPS: 10}, frames: make([]frame, 200),
		Truth: []Event{{Label: "fire", From: 3 * time.Second, To: 20 * time.Second}}}
	for _, c := range []struct {
		at   time.Duration
		want int
	}{{0, 0}, {3 * time.Second, 1}, {19 * time.Second, 1}, {21 * time.Second, 0}, {24 * time.Second, 1}} {
		if got := sc.TruthAt(c.at); len(got) != c.want {
			t.Errorf("at %v: %d events, want %d", c.at, len(got), c.want)
		}
	}
}

// Simulated: the cameras of a running server are added and removed at run
// time; a removed path answers 404 and a second Close does nothing.
func TestAddRemove(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	if err := s.Add(Camera{Path: "late", Scene: tinySpec(Empty, H264)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(deadline(t), "late"); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(Camera{Path: "late", Scene: tinySpec(Empty, H264)}); err == nil {
		t.Fatal("a path added twice was accepted")
	}
	if err := s.Add(Camera{Path: "a/b/c", Scene: tinySpec(Empty, H264)}); err == nil {
		t.Fatal("a path with two slashes was accepted")
	}
	if err := s.Remove("late"); err != nil {
		t.Fatal(err)
	}
	if _, err := describe(t, s.URL("late")); err == nil {
		t.Fatal("a removed camera still answers")
	}
	s.Close()
	s.Close()
}
