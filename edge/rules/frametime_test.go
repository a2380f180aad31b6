package rules

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

// Synthetic: anomaly lifetimes run on frame time and on absence seen. A
// camera whose analysis is shed to one frame every 4 s (end_after 3 s)
// keeps one fire anomaly while every analysed frame shows fire, and it
// ends only on the second frame without fire.
func TestShedFramesDoNotEndAnomalies(t *testing.T) {
	e := NewEngine(mustParse(t, oneRule(1, "name: f, kind: fire, end_after: 3s, update_every: 5s")))
	fire := []detect.Detection{{Kind: detect.Fire, Score: 0.9, Box: detect.Box{X: 0.4, Y: 0.4, W: 0.1, H: 0.1}}}
	evs := feed(e, 0, 40*time.Second, 4*time.Second, func(time.Duration) []detect.Detection { return fire })
	evs = append(evs, e.Observe("c", at(44*time.Second), nil)...)
	if got := brief(evs); got != "start@0s update@8s update@16s update@24s update@32s" {
		t.Fatalf("fire on every analysed frame, one every 4 s: %s, want one start and updates", got)
	}
	evs = e.Observe("c", at(48*time.Second), nil)
	if got := brief(evs); got != "end@48s" {
		t.Fatalf("second frame without fire: %s, want end@48s", got)
	}
}

// Synthetic: a frame in which the objects detector was shed (person and
// vehicle unseen) neither ends a person anomaly nor forgets where its tracks entered, while
// a fire rule on the same frame still sees the fire.
func TestUnseenKindsSkipTheirRules(t *testing.T) {
	set := "site: s\nversion: 1\ncameras:\n  c:\n    rules:\n" +
		"      - {name: p, kind: person, end_after: 1s}\n" +
		"      - {name: l, kind: loitering, dwell: 2s, end_after: 1s, zone: {polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]}}\n" +
		"      - {name: f, kind: fire}\n"
	e := NewEngine(mustParse(t, set))
	someone := []detect.Detection{person(0.5, 0.9, 0.9)}
	fire := detect.Detection{Kind: detect.Fire, Score: 0.9, Box: detect.Box{X: 0.1, Y: 0.1, W: 0.1, H: 0.1}}
	evs := e.Observe("c", at(0), someone)
	for d := time.Second; d <= 3*time.Second; d += time.Second {
		evs = append(evs, e.ObserveUnseen("c", at(d), []detect.Detection{fire}, []string{detect.Person, detect.Vehicle})...)
	}
	evs = append(evs, e.Observe("c", at(4*time.Second), append(someone, fire))...)
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Rule+":"+string(ev.State))
	}
	// p (end_after 1 s) starts at 0 and does not end over 3 s of frames
	// without the objects detector; l's track, seen at 0 and 4 s, keeps
	// its entry time through them and has dwelt past 2 s: it starts.
	want := "p:start f:start l:start"
	if s := joined(got); s != want {
		t.Fatalf("events %s, want %s", s, want)
	}
}

// Synthetic: TickExcept leaves the anomalies of a camera whose frames flow
// to its frames, and still ticks its camera_offline rule.
func TestTickExceptFlowing(t *testing.T) {
	set := "site: s\nversion: 1\ncameras:\n  c:\n    rules:\n" +
		"      - {name: f, kind: fire, severity: critical}\n" +
		"      - {name: off, kind: camera_offline, end_after: 2s}\n"
	e := NewEngine(mustParse(t, set))
	fire := []detect.Detection{{Kind: detect.Fire, Score: 0.9, Box: detect.Box{W: 1, H: 1}}}
	down := []detect.Detection{{Kind: detect.CameraOffline, Score: 1, Box: detect.Box{W: 1, H: 1}}}
	e.Observe("c", at(0), append(fire, down...))
	if !e.Urgent("c") {
		t.Fatal("a critical fire under way is not urgent")
	}
	flowing := func(string) bool { return true }
	var evs []Event
	for s := 1; s <= 20; s++ {
		evs = append(evs, e.TickExcept(at(time.Duration(s)*time.Second), flowing)...)
	}
	if len(evs) != 1 || evs[0].Rule != "off" || evs[0].State != End {
		t.Fatalf("ticks of a flowing camera: %+v, want only the offline anomaly's end", evs)
	}
	if evs = e.TickExcept(at(30*time.Second), func(string) bool { return false }); len(evs) != 0 {
		t.Fatalf("first tick of a stopped camera: %+v, want nothing yet (absence seen once)", evs)
	}
	if evs = e.TickExcept(at(32*time.Second), func(string) bool { return false }); len(evs) != 1 || evs[0].Rule != "f" {
		t.Fatalf("second tick of a stopped camera: %+v, want the fire's end", evs)
	}
	if e.Urgent("c") {
		t.Fatal("urgent after the fire ended")
	}
}

func joined(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
