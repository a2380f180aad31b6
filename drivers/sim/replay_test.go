package sim

import (
	"testing"
	"time"
)

// TestReplay depacketizes a scene (encoded by ffmpeg) without a network:
// units come in order with wall-clock times, keyframes every GOP with
// their parameter sets.
func TestReplay(t *testing.T) {
	lib := NewLibrary(t.TempDir(), testLog(t))
	sc, err := lib.Scene(deadline(t), tinySpec(Empty, H264))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	n, keys := 0, 0
	var last time.Time
	for u := range sc.Replay(start, 2*sc.Loop()) {
		if u.NTP.Before(last) || len(u.AU) == 0 || len(u.Packets) == 0 {
			t.Fatalf("unit %d out of order or empty", n)
		}
		if u.Key {
			keys++
			if u.AU[0][0]&0x1f != 7 {
				t.Fatalf("keyframe %d starts with NAL type %d, want an SPS", n, u.AU[0][0]&0x1f)
			}
		}
		last = u.NTP
		n++
	}
	if n != 2*sc.Frames() || keys != 2*3 {
		t.Fatalf("%d units, %d keyframes; want %d and 6 (two 3 s loops, a keyframe a second)", n, keys, 2*sc.Frames())
	}
}
