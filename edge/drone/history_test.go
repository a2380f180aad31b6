package drone

import (
	"math"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// TestHistoryInterpolates: a frame between two telemetry samples is placed
// on the line between them in proportion to its time; before, after and
// inside holes it gets the nearest sample within the gap, or nothing.
func TestHistoryInterpolates(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	h := newHistory(4, time.Second)
	h.add(t0, bus.Geo{Lat: 22.0, Lon: 114.0, Alt: 100})
	h.add(t0.Add(500*time.Millisecond), bus.Geo{Lat: 22.001, Lon: 114.002, Alt: 110})
	h.add(t0.Add(500*time.Millisecond), bus.Geo{Lat: 22.001, Lon: 114.002, Alt: 110}) // a repeat: no second sample
	h.add(t0.Add(100*time.Millisecond), bus.Geo{Lat: 99})                             // out of order: dropped
	h.add(t0.Add(5*time.Second), bus.Geo{Lat: 22.002, Lon: 114.002, Alt: 110})
	for _, c := range []struct {
		name string
		at   time.Duration
		want *bus.Geo
	}{
		{"on the first sample", 0, &bus.Geo{Lat: 22.0, Lon: 114.0, Alt: 100}},
		{"a fifth of the way", 100 * time.Millisecond, &bus.Geo{Lat: 22.0002, Lon: 114.0004, Alt: 102}},
		{"half way", 250 * time.Millisecond, &bus.Geo{Lat: 22.0005, Lon: 114.001, Alt: 105}},
		{"before the first, within the gap", -800 * time.Millisecond, &bus.Geo{Lat: 22.0, Lon: 114.0, Alt: 100}},
		{"before the first, beyond the gap", -1500 * time.Millisecond, nil},
		{"in a hole, near its start", 1200 * time.Millisecond, &bus.Geo{Lat: 22.001 + 0.001*0.7/4.5, Lon: 114.002, Alt: 110}},
		{"in a hole, far from both ends", 2500 * time.Millisecond, nil},
		{"after the last, within the gap", 5900 * time.Millisecond, &bus.Geo{Lat: 22.002, Lon: 114.002, Alt: 110}},
		{"after the last, beyond the gap", 6100 * time.Millisecond, nil},
	} {
		got := h.at(t0.Add(c.at))
		if !sameGeo(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestHistoryKeepsTheNewest: past its size the oldest samples go.
func TestHistoryKeepsTheNewest(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	h := newHistory(3, 100*time.Millisecond)
	for i := 0; i < 5; i++ {
		h.add(t0.Add(time.Duration(i)*time.Second), bus.Geo{Lat: float64(i)})
	}
	if g := h.at(t0.Add(time.Second)); g != nil {
		t.Fatalf("sample 1 still answered (%+v) after 5 samples in a history of 3", g)
	}
	if g := h.at(t0.Add(2 * time.Second)); g == nil || g.Lat != 2 {
		t.Fatalf("sample 2: %+v, want lat 2", g)
	}
}

func sameGeo(a, b *bus.Geo) bool {
	if a == nil || b == nil {
		return a == b
	}
	const eps = 1e-9
	return math.Abs(a.Lat-b.Lat) < eps && math.Abs(a.Lon-b.Lon) < eps && math.Abs(a.Alt-b.Alt) < eps
}
