package mavlink

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/argus-edge/argus/drivers/bus"
)

var testHome = Point{Lat: 22.3701, Lon: 114.1102, Alt: 85}

func TestPatrolItemsLayout(t *testing.T) {
	pts := []bus.PatrolPoint{
		{Lat: 22.371, Lon: 114.110, Alt: 30, Speed: 8, Hover: 5, GimbalPitch: -45},
		{Lat: 22.372, Lon: 114.111, Alt: 40, Speed: 8, GimbalPitch: -45},
		{Lat: 22.372, Lon: 114.112, Alt: 40, Speed: 5, GimbalPitch: -90},
	}
	items := PatrolItems(testHome, pts, true)
	var cmds []common.MAV_CMD
	for _, it := range items {
		cmds = append(cmds, it.Command)
	}
	want := []common.MAV_CMD{
		common.MAV_CMD_NAV_WAYPOINT, // home
		common.MAV_CMD_NAV_TAKEOFF,
		common.MAV_CMD_DO_CHANGE_SPEED, common.MAV_CMD_DO_MOUNT_CONTROL, common.MAV_CMD_NAV_WAYPOINT,
		common.MAV_CMD_NAV_WAYPOINT, // same speed and pitch: nothing before it
		common.MAV_CMD_DO_CHANGE_SPEED, common.MAV_CMD_DO_MOUNT_CONTROL, common.MAV_CMD_NAV_WAYPOINT,
		common.MAV_CMD_NAV_RETURN_TO_LAUNCH,
	}
	if !slices.Equal(cmds, want) {
		t.Fatalf("commands %v\nwant %v", cmds, want)
	}
	if h := items[0]; h.Frame != common.MAV_FRAME_GLOBAL || h.Alt != 85 || h.Lat != testHome.Lat {
		t.Errorf("home item %+v", h)
	}
	if to := items[1]; to.Alt != 30 || to.Frame != common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT {
		t.Errorf("takeoff %+v, want to 30 m relative", to)
	}
	if wp := items[4]; wp.Params[0] != 5 || wp.Lat != 22.371 || wp.Alt != 30 || wp.Frame != common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT {
		t.Errorf("first waypoint %+v, want hover 5 s at 30 m relative", wp)
	}
	if sp := items[6]; sp.Params[1] != 5 {
		t.Errorf("speed change %+v, want 5 m/s", sp)
	}
	if m := items[7]; m.Params[0] != -90 || m.Alt != 2 {
		t.Errorf("mount %+v, want pitch -90 in MAVLink targeting", m)
	}
	if got := WaypointSeqs(items); !slices.Equal(got, []int{4, 5, 8}) {
		t.Errorf("waypoint seqs %v", got)
	}
	if noRTL := PatrolItems(testHome, pts, false); noRTL[len(noRTL)-1].Command != common.MAV_CMD_NAV_WAYPOINT {
		t.Error("rtl false still ends with RETURN_TO_LAUNCH")
	}
}

func TestFenceItems(t *testing.T) {
	tri := []Point{{Lat: 1, Lon: 1}, {Lat: 1, Lon: 2}, {Lat: 2, Lon: 1}}
	sq := []Point{{Lat: 0, Lon: 0}, {Lat: 0, Lon: 3}, {Lat: 3, Lon: 3}, {Lat: 3, Lon: 0}}
	items := FenceItems([][]Point{sq}, [][]Point{tri, {{Lat: 1, Lon: 1}}})
	if len(items) != 7 {
		t.Fatalf("%d items, want 4 + 3 (the 1-vertex polygon left out)", len(items))
	}
	for i, it := range items {
		cmd, n := common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, float32(4)
		if i >= 4 {
			cmd, n = common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION, 3
		}
		if it.Command != cmd || it.Params[0] != n {
			t.Errorf("item %d: %s count %g, want %s count %g", i, it.Command, it.Params[0], cmd, n)
		}
	}
}

func TestCompare(t *testing.T) {
	a := PatrolItems(testHome, []bus.PatrolPoint{{Lat: 22.371, Lon: 114.11, Alt: 30, Speed: 6}}, true)
	b := slices.Clone(a)
	b[0].Lat, b[0].Alt = 22.0, 12 // ArduPilot's own home
	b[3].Lat += 0.9e-7            // within the wire's 1e-7 degree
	if err := Compare(a, b); err != nil {
		t.Fatalf("equal lists: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func([]Item) []Item
		want string
	}{
		{"length", func(l []Item) []Item { return l[:len(l)-1] }, "5 items sent, 4 read back"},
		{"command", func(l []Item) []Item { l[1].Command = common.MAV_CMD_NAV_LAND; return l }, "item 1: command"},
		{"frame", func(l []Item) []Item { l[3].Frame = common.MAV_FRAME_GLOBAL; return l }, "item 3: frame"},
		{"position", func(l []Item) []Item { l[3].Lon += 1e-5; return l }, "item 3: position"},
		{"param", func(l []Item) []Item { l[2].Params[1] = 7; return l }, "item 2: param2"},
		{"autocontinue", func(l []Item) []Item { l[2].AutoContinue = false; return l }, "autocontinue"},
	} {
		err := Compare(a, c.edit(slices.Clone(a)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestModes(t *testing.T) {
	for name, num := range map[string]uint32{"STABILIZE": 0, "AUTO": 3, "GUIDED": 4, "LOITER": 5, "RTL": 6, "LAND": 9, "SMART_RTL": 21} {
		if got := ModeName(num); got != name {
			t.Errorf("ModeName(%d) = %s, want %s", num, got, name)
		}
		if got, ok := ModeNumber(strings.ToLower(name)); !ok || got != num {
			t.Errorf("ModeNumber(%s) = %d, %v", name, got, ok)
		}
	}
	if _, ok := ModeNumber("WARP"); ok {
		t.Error("WARP is a mode")
	}
	if got := ModeName(99); got != "MODE_99" {
		t.Errorf("unknown mode named %q", got)
	}
}

// FuzzItems: a MISSION_ITEM_INT read into an Item and written back is the
// same message, and an item always compares equal to itself.
func FuzzItems(f *testing.F) {
	f.Add(uint16(0), uint8(6), uint16(16), uint8(1), float32(5), float32(0), float32(0), float32(0), int32(223701000), int32(1141102000), float32(30))
	f.Add(uint16(3), uint8(2), uint16(178), uint8(1), float32(1), float32(8), float32(-1), float32(0), int32(0), int32(0), float32(0))
	f.Add(uint16(9), uint8(0), uint16(5001), uint8(0), float32(4), float32(0), float32(0), float32(0), int32(-900000000), int32(1800000000), float32(math.NaN()))
	f.Fuzz(func(t *testing.T, seq uint16, frame uint8, cmd uint16, ac uint8, p1, p2, p3, p4 float32, x, y int32, z float32) {
		m := &common.MessageMissionItemInt{TargetSystem: 254, TargetComponent: 190, Seq: seq,
			Frame: common.MAV_FRAME(frame), Command: common.MAV_CMD(cmd), Autocontinue: min(ac, 1),
			Param1: p1, Param2: p2, Param3: p3, Param4: p4, X: x, Y: y, Z: z, MissionType: Fence}
		it := ItemOf(m)
		back := it.message(int(seq), Fence, 254, 190)
		same := func(a, b float32) bool { return a == b || (a != a && b != b) }
		if back.X != m.X || back.Y != m.Y || back.Seq != m.Seq || back.Frame != m.Frame || back.Command != m.Command ||
			back.Autocontinue != m.Autocontinue || !same(back.Z, m.Z) || !same(back.Param1, p1) || !same(back.Param4, p4) {
			t.Fatalf("round trip %+v -> %+v", m, back)
		}
		if err := Compare([]Item{it, it}, []Item{it, it}); err != nil {
			t.Fatalf("an item differs from itself: %v", err)
		}
	})
}

// FuzzPatrolItems: any route lays out as one NAV_WAYPOINT per point, in
// order, after the home and the takeoff.
func FuzzPatrolItems(f *testing.F) {
	f.Add(22.37, 114.11, 30.0, 8.0, 5.0, -45.0, 3, true)
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1, false)
	f.Add(math.NaN(), math.Inf(1), -5.0, -1.0, 1e9, 720.0, 7, true)
	f.Fuzz(func(t *testing.T, lat, lon, alt, speed, hover, pitch float64, n int, rtl bool) {
		n = min(max(n, 0)%20, 20)
		pts := make([]bus.PatrolPoint, n)
		for i := range pts {
			pts[i] = bus.PatrolPoint{Lat: lat + float64(i)*1e-4, Lon: lon, Alt: alt, Speed: speed + float64(i%2), Hover: hover, GimbalPitch: pitch}
		}
		items := PatrolItems(testHome, pts, rtl)
		if items[0].Command != common.MAV_CMD_NAV_WAYPOINT || items[0].Frame != common.MAV_FRAME_GLOBAL {
			t.Fatalf("item 0 %+v is not the home", items[0])
		}
		seqs := WaypointSeqs(items)
		if len(seqs) != n {
			t.Fatalf("%d waypoints for %d points", len(seqs), n)
		}
		if n > 0 && items[1].Command != common.MAV_CMD_NAV_TAKEOFF {
			t.Fatalf("item 1 %s, want TAKEOFF", items[1].Command)
		}
		if last := items[len(items)-1].Command; n > 0 && rtl != (last == common.MAV_CMD_NAV_RETURN_TO_LAUNCH) {
			t.Fatalf("rtl %v but last item %s", rtl, last)
		}
		for _, it := range items {
			_ = it.message(0, Mission, 1, 1) // never panics, whatever the coordinates
		}
	})
}
