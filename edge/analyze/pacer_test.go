package analyze

import (
	"testing"
	"time"
)

func TestPacerIdleDecodesDueKeyframesOnly(t *testing.T) {
	p := newPacer(1, 5, 10*time.Second)
	t0 := time.Unix(1000, 0)
	got := 0
	for i := range 150 { // 10 s at 15 fps, a keyframe every 0.5 s
		ts := t0.Add(time.Duration(i) * time.Second / 15)
		if p.decode(i%8 == 0, ts) && p.analyse(ts) {
			got++
		}
	}
	if got < 9 || got > 11 {
		t.Fatalf("idle analysed %d frames in 10 s, want about 10 (1 fps)", got)
	}
}

func TestPacerMotionActivatesAndQuietReturnsToIdle(t *testing.T) {
	p := newPacer(1, 5, 2*time.Second)
	t0 := time.Unix(1000, 0)
	if m, changed := p.observe(t0, true, false); m != Active || !changed {
		t.Fatalf("motion left mode %s", m)
	}
	if !p.decode(false, t0.Add(time.Millisecond)) {
		t.Fatal("active mode skips non-key frames")
	}
	analysed := 0
	for i := 1; i <= 15; i++ { // 1 s at 15 fps
		if p.analyse(t0.Add(time.Duration(i) * time.Second / 15)) {
			analysed++
		}
	}
	if analysed < 4 || analysed > 6 {
		t.Fatalf("active analysed %d of 15 frames in 1 s, want about 5", analysed)
	}
	if m, _ := p.observe(t0.Add(time.Second), false, false); m != Active {
		t.Fatal("returned to idle before the quiet period")
	}
	if m, changed := p.observe(t0.Add(2*time.Second), false, false); m != Idle || !changed {
		t.Fatalf("still %s after the quiet period", m)
	}
}

// Followed objects keep the camera active without motion, and the objects
// detector gets a whole-frame look once a second while they are followed.
func TestPacerFollowingKeepsActiveAndLooksAtWholeFrames(t *testing.T) {
	p := newPacer(1, 5, 2*time.Second)
	t0 := time.Unix(1000, 0)
	p.observe(t0, true, false)
	wholes := 0
	for i := 1; i <= 50; i++ { // 10 s at 5 fps, nothing moving, someone followed
		ts := t0.Add(time.Duration(i) * 200 * time.Millisecond)
		if m, _ := p.observe(ts, false, true); m != Active {
			t.Fatalf("idle at %s while following", ts.Sub(t0))
		}
		if p.whole(ts, true) {
			wholes++
		}
	}
	if wholes != 10 {
		t.Fatalf("%d whole-frame looks in 10 s of following, want 10", wholes)
	}
	if p.whole(t0.Add(20*time.Second), false) {
		t.Fatal("a whole-frame look with nothing followed")
	}
	if m, changed := p.observe(t0.Add(12*time.Second), false, false); m != Idle || !changed {
		t.Fatalf("still %s the quiet period after following", m)
	}
}

// TestPacerHealthAtIdleRate: in active mode (frames analysed at 5 fps)
// the health detector looks once a second, as in idle mode.
func TestPacerHealthAtIdleRate(t *testing.T) {
	p := newPacer(1, 5, 10*time.Second)
	t0 := time.Unix(1000, 0)
	looks := 0
	for i := range 50 { // 10 s at 5 fps
		if p.health(t0.Add(time.Duration(i) * time.Second / 5)) {
			looks++
		}
	}
	if looks != 10 {
		t.Fatalf("health looked %d times in 10 s of 5 fps, want 10", looks)
	}
}
