package rules

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/edge/detect"
)

// Synthetic: two people in a yard, frames at 2 fps. A walks through the
// zone in 10 s; B comes in and stands there for a minute. Only B loiters.
func TestLoiteringTwoPeople(t *testing.T) {
	e := NewEngine(mustParse(t, oneRule(1, "name: steps, kind: loitering, dwell: 30s, zone: {name: steps, polygon: [[0.2, 0.5], [0.8, 0.5], [0.8, 1], [0.2, 1]]}")))
	evs := feed(e, 0, 70*time.Second, 500*time.Millisecond, func(d time.Duration) []detect.Detection {
		s := d.Seconds()
		var dets []detect.Detection
		if s < 20 { // A walks left to right across the whole picture
			dets = append(dets, person(0.05+0.9*s/20, 0.8, 0.9))
		}
		if s >= 5 && s < 65 { // B walks in, then stands still with a little jitter
			x := 0.7
			if s < 8 {
				x = 0.9 - 0.2*(s-5)/3
			}
			if int(s*2)%2 == 0 {
				x += 0.005
			}
			dets = append(dets, person(x, 0.6, 0.8))
		}
		return dets
	})
	// B's feet are first inside at 7 s (x 0.77; at 6.5 s they are on the
	// edge): start at 7 + 30 s. B is last seen at 64.5 s: end 3 s later.
	if got := brief(evs); got != "start@37s update@47s update@57s end@1m7.5s" {
		t.Fatalf("events %s", got)
	}
	if b := evs[0].Box; b.X < 0.6 || b.X > 0.7 || evs[0].Zone != "steps" || evs[0].Kind != Loitering {
		t.Errorf("start %+v is not B in the steps zone", evs[0])
	}
}

// Synthetic: a person walks right across a vertical line drawn bottom to
// top (so "left to right" is the picture's), then back.
func TestLineCrossingDirections(t *testing.T) {
	set := mustParse(t, `site: s
version: 1
cameras:
  c:
    rules:
      - {name: in, kind: line_crossing, line: {name: gate, from: [0.5, 1], to: [0.5, 0], direction: left_to_right}, end_after: 1s}
      - {name: out, kind: line_crossing, line: {name: gate, from: [0.5, 1], to: [0.5, 0], direction: right_to_left}, end_after: 1s}
      - {name: both, kind: line_crossing, line: {from: [0.5, 1], to: [0.5, 0]}, end_after: 1s}
      - {name: short, kind: line_crossing, line: {from: [0.5, 1], to: [0.5, 0.9]}, end_after: 1s}
`)
	e := NewEngine(set)
	// Out to x 0.8 over 10 s, back to x 0.2 over the next 10 s; feet at y 0.6.
	evs := feed(e, 0, 25*time.Second, 250*time.Millisecond, func(d time.Duration) []detect.Detection {
		s := d.Seconds()
		switch {
		case s < 10:
			return []detect.Detection{person(0.2+0.06*s, 0.6, 0.9)}
		case s < 20:
			return []detect.Detection{person(0.8-0.06*(s-10), 0.6, 0.9)}
		}
		return nil
	})
	got := map[string][]string{}
	for _, ev := range evs {
		got[ev.Rule] = append(got[ev.Rule], string(ev.State)+"@"+ev.FrameTime.Sub(t0).String())
		if ev.Kind != LineCrossing {
			t.Errorf("kind %s", ev.Kind)
		}
		if ev.Rule == "in" && ev.Zone != "gate" || ev.Rule == "both" && ev.Zone != "both" {
			t.Errorf("rule %s zone %q", ev.Rule, ev.Zone)
		}
	}
	// The feet cross x 0.5 at 5 s going right and at 15 s going left.
	want := map[string][]string{
		"in":   {"start@5.25s", "end@6.25s"},
		"out":  {"start@15.25s", "end@16.25s"},
		"both": {"start@5.25s", "end@6.25s", "start@15.25s", "end@16.25s"},
	}
	for rule, w := range want {
		if len(got[rule]) != len(w) {
			t.Errorf("%s: got %v, want %v", rule, got[rule], w)
			continue
		}
		for i := range w {
			if got[rule][i] != w[i] {
				t.Errorf("%s: got %v, want %v", rule, got[rule], w)
			}
		}
	}
	if len(got["short"]) != 0 {
		t.Errorf("crossing the line's extension counted: %v", got["short"])
	}
}

// Synthetic boxes: the tracker keeps identities through small moves and
// keyframe-rate gaps, and tells two people apart.
func TestTracker(t *testing.T) {
	var tr tracker
	a, b := person(0.2, 0.8, 0.9), person(0.7, 0.8, 0.9)
	first := tr.update(t0, []detect.Detection{a, b, {Kind: detect.Fire}})
	if first[0] == nil || first[1] == nil || first[2] != nil || first[0].id == first[1].id {
		t.Fatalf("first frame tracks %v", first)
	}
	// 4 s later (one keyframe), both moved a little and came in the other order.
	a2, b2 := person(0.25, 0.8, 0.9), person(0.66, 0.82, 0.9)
	next := tr.update(at(4*time.Second), []detect.Detection{b2, a2})
	if next[0].id != first[1].id || next[1].id != first[0].id {
		t.Errorf("identities swapped: %d %d, want %d %d", next[0].id, next[1].id, first[1].id, first[0].id)
	}
	// Unseen for longer than trackTTL: a new identity.
	late := tr.update(at(4*time.Second+trackTTL+time.Second), []detect.Detection{a2})
	if late[0].id == first[0].id || tr.alive(first[1].id) {
		t.Error("a track outlived trackTTL")
	}
}
