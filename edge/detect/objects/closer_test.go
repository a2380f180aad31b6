package objects

import (
	"image"
	"testing"
	"time"
)

// TestCloserLooks: when a crop is looked at again in tiles (closer.go).
func TestCloserLooks(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
	car := candidate{class: 2, score: 0.9, rect: image.Rect(100, 100, 200, 160)}
	there := []image.Rectangle{image.Rect(120, 110, 180, 150)}     // moves where the car is
	elsewhere := []image.Rectangle{image.Rect(400, 300, 460, 340)} // moves where nothing is
	type look struct {
		at     time.Duration
		unsure bool
		sure   []candidate
		moving []image.Rectangle
		found  bool // what the closer look found, when it ran
		want   bool
	}
	for _, tc := range []struct {
		name  string
		looks []look
	}{
		{"nothing moves, nothing unsure", []look{{want: false}}},
		{"a vehicle the model is unsure of, every frame", []look{
			{at: 0, unsure: true, want: true}, {at: 200 * time.Millisecond, unsure: true, want: true}}},
		{"motion the model explains", []look{{sure: []candidate{car}, moving: there, want: false}}},
		{"unexplained motion, once a second", []look{
			{at: 0, moving: elsewhere, want: true},
			{at: 200 * time.Millisecond, moving: elsewhere, want: false},
			{at: 999 * time.Millisecond, moving: elsewhere, want: false},
			{at: time.Second, moving: elsewhere, want: true}}},
		{"every frame for 3 s after a closer look found more", []look{
			{at: 0, moving: elsewhere, found: true, want: true},
			{at: 200 * time.Millisecond, moving: elsewhere, want: true},
			{at: 2900 * time.Millisecond, want: true},
			{at: 3100 * time.Millisecond, want: false}}},
		{"a frame time going back (a restarted stream) looks again", []look{
			{at: 5 * time.Second, moving: elsewhere, want: true},
			{at: time.Second, moving: elsewhere, want: true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c closer
			for i, l := range tc.looks {
				at := t0.Add(l.at)
				got := c.due(at, l.unsure, l.sure, l.moving)
				if got != l.want {
					t.Fatalf("look %d at +%s: closer %v, want %v", i, l.at, got, l.want)
				}
				if got {
					c.looked(at, l.found)
				}
			}
		})
	}
}

func TestFoundMore(t *testing.T) {
	a := candidate{score: 0.9, rect: image.Rect(0, 0, 100, 100)}
	nearA := candidate{score: 0.9, rect: image.Rect(10, 10, 100, 100)}
	b := candidate{score: 0.3, rect: image.Rect(300, 300, 400, 400)}
	if foundMore([]candidate{nearA}, []candidate{a}) {
		t.Fatal("the same object seen closer counted as more")
	}
	if !foundMore([]candidate{nearA, b}, []candidate{a}) {
		t.Fatal("a new object seen closer, weak as it is, not counted")
	}
}
