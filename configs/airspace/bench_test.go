package airspace

import (
	"testing"
	"time"
)

// BenchmarkPreflight checks hillside's longest demo route: the gateway
// runs it for every launch and for every idle drone a dispatch considers.
func BenchmarkPreflight(b *testing.B) {
	sites, err := LoadDir("../sites")
	if err != nil {
		b.Fatal(err)
	}
	s := sites["hillside"]
	r, _ := s.Route("north-slope")
	d := Drone{Home: Point{22.5460, 114.0495}, MaxSpeed: 12, Endurance: 25 * time.Minute, LinkUp: true, GPSFix: true, Idle: true, Battery: 100}
	for b.Loop() {
		if !Passed(Preflight(s, r, d)) {
			b.Fatal("refused")
		}
	}
}

// BenchmarkVerifyRoute finds the safe point facing hillside-fire.
func BenchmarkVerifyRoute(b *testing.B) {
	sites, err := LoadDir("../sites")
	if err != nil {
		b.Fatal(err)
	}
	s := sites["hillside"]
	for b.Loop() {
		if _, err := VerifyRoute(s, Point{22.5460, 114.0495}, Point{22.5481, 114.0462}, 30*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}
