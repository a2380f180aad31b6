package rules

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

// Synthetic: Following is true while a rule on people has a live track, an
// ongoing anomaly or a running min_duration (a person seen once must be
// looked for again, still or not, for the anomaly to start), and false for
// rules on anything else.
func TestFollowing(t *testing.T) {
	fire := detect.Detection{Kind: detect.Fire, Score: 0.9, Box: detect.Box{X: 0.1, Y: 0.1, W: 0.1, H: 0.1}}
	someone := []detect.Detection{person(0.5, 0.9, 0.9)}
	cases := []struct {
		name, rule string
		seen       []detect.Detection
		// while is whether the camera is followed after 4 s of frames
		// with seen; after is 6 s after the last one (end_after 3 s,
		// tracks live 5 s unseen).
		while, after bool
	}{
		{"person anomaly", "name: p, kind: person, min_duration: 2s", someone, true, false},
		{"person not yet an anomaly", "name: p, kind: person, min_duration: 10s", someone, true, false},
		{"loitering track before the dwell", "name: l, kind: loitering, dwell: 1m, zone: {polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]}", someone, true, false},
		{"intrusion on vehicles, a person", "name: i, kind: intrusion, objects: [vehicle], zone: {polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]}", someone, false, false},
		{"fire anomaly", "name: f, kind: fire", []detect.Detection{fire}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewRunner("s")
			if _, err := r.Apply(mustParse(t, oneRule(1, c.rule)), t0); err != nil {
				t.Fatal(err)
			}
			if r.Following("c") {
				t.Fatal("following before any frame")
			}
			for d := time.Duration(0); d <= 4*time.Second; d += time.Second {
				r.Observe("c", at(d), c.seen)
			}
			if got := r.Following("c"); got != c.while {
				t.Fatalf("following while seen: %v, want %v", got, c.while)
			}
			// Absence is seen twice: a single frame after a gap nobody
			// looked at ends nothing (Engine.absent).
			r.Observe("c", at(8*time.Second), nil)
			r.Observe("c", at(10*time.Second), nil)
			if got := r.Following("c"); got != c.after {
				t.Fatalf("following 6 s after: %v, want %v", got, c.after)
			}
			if r.Following("other") {
				t.Fatal("another camera is followed")
			}
		})
	}
}

// Synthetic: Close ends the live and the shadow anomalies, once.
func TestRunnerClose(t *testing.T) {
	r := NewRunner("s")
	for _, doc := range []string{oneRule(1, "name: p, kind: person"), "shadow: true\n" + oneRule(1, "name: p, kind: person")} {
		if _, err := r.Apply(mustParse(t, doc), t0); err != nil {
			t.Fatal(err)
		}
	}
	starts := r.Observe("c", at(0), []detect.Detection{person(0.5, 0.9, 0.9)})
	ends := r.Close(at(time.Second))
	if len(starts) != 2 || len(ends) != 2 {
		t.Fatalf("starts %+v, ends %+v", starts, ends)
	}
	for i, ev := range ends {
		if ev.State != End || ev.ID != starts[i].ID || !ev.FrameTime.Equal(at(time.Second)) {
			t.Errorf("end %+v does not end %s at 1s", ev, starts[i].ID)
		}
	}
	if again := r.Close(at(2 * time.Second)); len(again) != 0 {
		t.Errorf("a second Close ends again: %+v", again)
	}
}
