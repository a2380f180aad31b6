package incidents

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// views is a camera → view table for Env.View.
type views map[string]View

func (v views) view(c string) (View, bool) { x, ok := v[c]; return x, ok }

// TestFireAreaByView: where the inventory gives cameras' views, a fire
// groups by what they see. Each case puts fire on camera "a" then "b".
func TestFireAreaByView(t *testing.T) {
	north, south := 0.0, 180.0
	tests := []struct {
		name  string
		b     bus.Geo // b's location; a stands at 30, 120
		va    *View
		vb    *View
		group bool
	}{
		{"200 m apart, no views: the distance rule", bus.Geo{Lat: 30 + metresNorth(200), Lon: 120}, nil, nil, true},
		{"5 km apart, no views: apart", bus.Geo{Lat: 30 + metresNorth(5000), Lon: 120}, nil, nil, false},
		{"3 km apart facing each other, 2 km range: one spot between them",
			bus.Geo{Lat: 30 + metresNorth(3000), Lon: 120}, &View{north, 40, 2000}, &View{south, 40, 2000}, true},
		{"3 km apart both looking north: no spot in common",
			bus.Geo{Lat: 30 + metresNorth(3000), Lon: 120}, &View{north, 40, 2000}, &View{north, 40, 1000}, false},
		{"30 m apart looking away from each other: apart",
			bus.Geo{Lat: 30 + metresNorth(30), Lon: 120}, &View{south, 60, 800}, &View{north, 60, 800}, false},
		{"2 km apart, looking across at one hillside east of both",
			bus.Geo{Lat: 30 + metresNorth(2000), Lon: 120}, &View{45, 30, 2500}, &View{135, 30, 2500}, true},
		{"one view unknown: the distance rule (200 m)", bus.Geo{Lat: 30 + metresNorth(200), Lon: 120}, &View{south, 60, 800}, nil, true},
		{"one view unknown: the distance rule (3 km)", bus.Geo{Lat: 30 + metresNorth(3000), Lon: 120}, &View{north, 40, 2000}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := places{"a": {Lat: 30, Lon: 120}, "b": tc.b}
			v := views{}
			if tc.va != nil {
				v["a"] = *tc.va
			}
			if tc.vb != nil {
				v["b"] = *tc.vb
			}
			e := newEngine(t, Env{Locate: p.locate, View: v.view})
			c := newCollector()
			c.add(e.Observe(rec("fa", "hill", "a", bus.KindFire, bus.StateStart, 0)))
			c.add(e.Observe(rec("fb", "hill", "b", bus.KindSmoke, bus.StateStart, 10*time.Second)))
			if got := c.members["fa"] == c.members["fb"]; got != tc.group {
				t.Fatalf("grouped %v, want %v (incidents %v)", got, tc.group, c.members)
			}
		})
	}
}

// TestOutageByPowerArea: cameras of two sites hanging on one power area
// going offline together are one outage naming the power as its cause;
// a site's cameras without a power area still make a site outage.
func TestOutageByPowerArea(t *testing.T) {
	power := map[string]string{}
	for i := range 6 {
		power[fmt.Sprintf("n%d", i)] = "feeder-7"
		power[fmt.Sprintf("s%d", i)] = "feeder-7"
	}
	e := newEngine(t, Env{PowerArea: func(c string) string { return power[c] }, EdgeOffline: func(string) bool { return false }})
	c := newCollector()
	for i := range 6 {
		for _, site := range []string{"north", "south"} {
			cam := site[:1] + fmt.Sprint(i)
			c.add(e.Observe(rec("off-"+cam, site, cam, bus.KindCameraOffline, bus.StateStart, time.Duration(i)*time.Second)))
		}
	}
	for i := range 5 {
		cam := fmt.Sprintf("e%d", i)
		c.add(e.Observe(rec("off-"+cam, "east", cam, bus.KindCameraOffline, bus.StateStart, time.Duration(6+i)*time.Second)))
	}
	live := c.live()
	if len(live) != 2 {
		t.Fatalf("%d incidents %+v, want the power area's outage and east's", len(live), live)
	}
	for _, inc := range live {
		switch {
		case inc.PowerArea == "feeder-7":
			if inc.Count != 12 || len(inc.Sites) != 2 || inc.Cause != "power lost in area feeder-7" || !strings.Contains(inc.Title, "Power area feeder-7") {
				t.Fatalf("power outage %+v: want 12 members over north and south, the power named", inc)
			}
		case inc.Site == "east":
			if inc.Rule != store.RuleOutage || inc.Count != 5 || inc.Cause != "many cameras at once" {
				t.Fatalf("east outage %+v", inc)
			}
		default:
			t.Fatalf("unexpected incident %+v", inc)
		}
	}
}
