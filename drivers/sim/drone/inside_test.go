package drone

import (
	"testing"

	"github.com/argus-edge/argus/drivers/mavlink"
)

func TestInside(t *testing.T) {
	sq := []mavlink.Point{{Lat: 0, Lon: 0}, {Lat: 0, Lon: 2}, {Lat: 2, Lon: 2}, {Lat: 2, Lon: 0}}
	for _, c := range []struct {
		p    mavlink.Point
		want bool
	}{
		{mavlink.Point{Lat: 1, Lon: 1}, true},
		{mavlink.Point{Lat: 3, Lon: 1}, false},
		{mavlink.Point{Lat: 1, Lon: -0.1}, false},
		{mavlink.Point{Lat: 1.99, Lon: 1.99}, true},
	} {
		if got := inside(c.p, sq); got != c.want {
			t.Errorf("inside(%v) = %v, want %v", c.p, got, c.want)
		}
	}
}
