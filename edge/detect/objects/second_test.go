package objects

import (
	"image"
	"testing"
	"time"
)

// TestSecondLook: a vehicle the model scores low is reported only once it
// has been seen minHits times on moving regions, has moved by half its
// shorter side and its combined score reaches min_score; one that stands
// still, scores too little, lies off the motion or is lost for trackGap is
// not. Candidates are made up (class 2, a car); the frames are 5 a second.
func TestSecondLook(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	everywhere := []image.Rectangle{image.Rect(0, 0, 1000, 1000)}
	car := func(x int, s float32) candidate {
		return candidate{class: 2, score: s, rect: image.Rect(x, 100, x+100, 300)}
	}
	cases := []struct {
		name    string
		step    int // x moved per frame
		scores  []float32
		regions []image.Rectangle
		gap     time.Duration // between frames
		first   int           // the frame first reported at (-1: never)
		min     float32       // the detector's min_score (0: 0.5)
	}{
		{"a moving car at 0.4: reported at the third hit", 30, []float32{0.4, 0.4, 0.4, 0.4}, everywhere, 200 * time.Millisecond, 2, 0},
		{"at 0.45, 0.3, 0.3 then 0.4: four hits needed", 30, []float32{0.45, 0.3, 0.3, 0.4}, everywhere, 200 * time.Millisecond, 3, 0},
		{"a parked car never", 0, []float32{0.45, 0.45, 0.45, 0.45, 0.45, 0.45}, everywhere, 200 * time.Millisecond, -1, 0},
		{"at 0.25 it scores 0.51 at most: never at 0.55", 30, []float32{0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25}, everywhere, 200 * time.Millisecond, -1, 0.55},
		{"off the motion never", 30, []float32{0.45, 0.45, 0.45, 0.45}, []image.Rectangle{image.Rect(800, 800, 900, 900)}, 200 * time.Millisecond, -1, 0},
		{"lost between hits never", 30, []float32{0.45, 0.45, 0.45, 0.45}, everywhere, trackGap, -1, 0},
		{"a jump too far for a vehicle is another track", 300, []float32{0.45, 0.45, 0.45, 0.45}, everywhere, 200 * time.Millisecond, -1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fl follower
			first, min := -1, c.min
			if min == 0 {
				min = 0.5
			}
			for i, s := range c.scores {
				got := fl.look(t0.Add(time.Duration(i)*c.gap), []candidate{car(i*c.step, s)}, c.regions, min)
				if len(got) > 0 && first < 0 {
					first = i
					if got[0].score < min || got[0].score > secondCap || got[0].class != 2 {
						t.Fatalf("reported %+v", got[0])
					}
				}
			}
			if first != c.first {
				t.Fatalf("first reported at frame %d, want %d (scores %v)", first, c.first, c.scores)
			}
		})
	}
}

// TestTrackScore: the combined score of a track's last hits.
func TestTrackScore(t *testing.T) {
	cases := []struct {
		scores []float32
		want   float32
	}{
		{[]float32{0.4, 0.4, 0.4}, 0.535},
		{[]float32{0.35, 0.35, 0.35, 0.35, 0.35}, 0.659},
		{[]float32{0.25, 0.25, 0.25, 0.25, 0.25}, 0.513},
		{[]float32{0.9, 0.9, 0.9}, secondCap},
	}
	for _, c := range cases {
		got := (&vtrack{scores: c.scores}).score()
		if got < c.want-0.005 || got > c.want+0.005 {
			t.Errorf("score of %v: %.3f, want %.3f", c.scores, got, c.want)
		}
	}
}
