package mavlink

import (
	"errors"
	"fmt"
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/argus-edge/argus/drivers/bus"
)

// MissionType is which of a vehicle's item lists a transaction is about.
type MissionType = common.MAV_MISSION_TYPE

// The item lists a vehicle keeps.
const (
	Mission = common.MAV_MISSION_TYPE_MISSION // the route
	Fence   = common.MAV_MISSION_TYPE_FENCE   // geofence polygons
	Rally   = common.MAV_MISSION_TYPE_RALLY   // rally (safe landing) points
)

// Item is one mission or fence item, as MISSION_ITEM_INT carries it: Lat
// and Lon in degrees (sent as 1e-7 integers), Alt the z field.
type Item struct {
	Command      common.MAV_CMD
	Frame        common.MAV_FRAME
	Params       [4]float32
	Lat, Lon     float64
	Alt          float32
	AutoContinue bool
}

// Point is a position: WGS 84 degrees, Alt metres (above sea level for a
// home, above home for a waypoint).
type Point struct {
	Lat, Lon, Alt float64
}

// message is the item as the seq'th MISSION_ITEM_INT of its list.
func (it Item) message(seq int, t MissionType, sys, comp uint8) *common.MessageMissionItemInt {
	ac := uint8(0)
	if it.AutoContinue {
		ac = 1
	}
	return &common.MessageMissionItemInt{
		TargetSystem: sys, TargetComponent: comp, Seq: uint16(seq),
		Frame: it.Frame, Command: it.Command, Autocontinue: ac,
		Param1: it.Params[0], Param2: it.Params[1], Param3: it.Params[2], Param4: it.Params[3],
		X: degE7(it.Lat), Y: degE7(it.Lon), Z: it.Alt, MissionType: t,
	}
}

// ItemOf reads an item from a MISSION_ITEM_INT.
func ItemOf(m *common.MessageMissionItemInt) Item {
	return Item{
		Command: m.Command, Frame: m.Frame,
		Params: [4]float32{m.Param1, m.Param2, m.Param3, m.Param4},
		Lat:    float64(m.X) / 1e7, Lon: float64(m.Y) / 1e7, Alt: m.Z,
		AutoContinue: m.Autocontinue != 0,
	}
}

// degE7 is degrees as MAVLink's 1e-7 integers, saturated.
func degE7(d float64) int32 {
	v := math.Round(d * 1e7)
	switch {
	case math.IsNaN(v):
		return 0
	case v > math.MaxInt32:
		return math.MaxInt32
	case v < math.MinInt32:
		return math.MinInt32
	}
	return int32(v)
}

// PatrolItems lays a patrol out as ArduCopter expects: item 0 the home
// (frame GLOBAL, altitude above sea level), a TAKEOFF to the first point's
// altitude, then per point a DO_CHANGE_SPEED when its speed changes, a
// DO_MOUNT_CONTROL when its gimbal pitch changes, and a NAV_WAYPOINT
// holding Hover seconds (frame GLOBAL_RELATIVE_ALT_INT); a
// NAV_RETURN_TO_LAUNCH at the end when rtl.
func PatrolItems(home Point, pts []bus.PatrolPoint, rtl bool) []Item {
	items := []Item{{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: common.MAV_FRAME_GLOBAL,
		Lat: home.Lat, Lon: home.Lon, Alt: float32(home.Alt), AutoContinue: true}}
	if len(pts) == 0 {
		return items
	}
	rel := common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	items = append(items, Item{Command: common.MAV_CMD_NAV_TAKEOFF, Frame: rel,
		Lat: home.Lat, Lon: home.Lon, Alt: float32(pts[0].Alt), AutoContinue: true})
	speed, pitch := 0.0, 0.0
	for _, p := range pts {
		if p.Speed > 0 && p.Speed != speed {
			speed = p.Speed
			// param1 1 = ground speed, param3 -1 = throttle unchanged
			items = append(items, Item{Command: common.MAV_CMD_DO_CHANGE_SPEED, Frame: common.MAV_FRAME_MISSION,
				Params: [4]float32{1, float32(speed), -1, 0}, AutoContinue: true})
		}
		if p.GimbalPitch != pitch {
			pitch = p.GimbalPitch
			// z carries param7, the mount mode: 2 = MAVLink targeting
			items = append(items, Item{Command: common.MAV_CMD_DO_MOUNT_CONTROL, Frame: common.MAV_FRAME_MISSION,
				Params: [4]float32{float32(pitch), 0, 0, 0}, Alt: 2, AutoContinue: true})
		}
		items = append(items, Item{Command: common.MAV_CMD_NAV_WAYPOINT, Frame: rel,
			Params: [4]float32{float32(p.Hover), 0, 0, 0}, Lat: p.Lat, Lon: p.Lon, Alt: float32(p.Alt), AutoContinue: true})
	}
	if rtl {
		items = append(items, Item{Command: common.MAV_CMD_NAV_RETURN_TO_LAUNCH, Frame: rel, AutoContinue: true})
	}
	return items
}

// WaypointSeqs returns the mission seq of each NAV_WAYPOINT after the home
// item, in order: the n'th waypoint of a patrol is reached when
// MISSION_ITEM_REACHED carries WaypointSeqs(items)[n-1].
func WaypointSeqs(items []Item) []int {
	var seqs []int
	for i := 1; i < len(items); i++ {
		if items[i].Command == common.MAV_CMD_NAV_WAYPOINT {
			seqs = append(seqs, i)
		}
	}
	return seqs
}

// FenceItems lays out a geofence: one vertex item per polygon corner,
// MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION or _EXCLUSION with param1 the
// polygon's vertex count. Polygons of fewer than 3 vertices are left out.
func FenceItems(inclusion, exclusion [][]Point) []Item {
	var items []Item
	add := func(polys [][]Point, cmd common.MAV_CMD) {
		for _, poly := range polys {
			if len(poly) < 3 {
				continue
			}
			for _, p := range poly {
				items = append(items, Item{Command: cmd, Frame: common.MAV_FRAME_GLOBAL,
					Params: [4]float32{float32(len(poly)), 0, 0, 0}, Lat: p.Lat, Lon: p.Lon, AutoContinue: true})
			}
		}
	}
	add(inclusion, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION)
	add(exclusion, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION)
	return items
}

// Compare checks a read-back list b against what was sent, a: the same
// length, commands, frames, and values within what the wire keeps (1e-7
// degree, float32). Item 0 of a mission is the home, which ArduPilot
// rewrites with its own: when both are NAV_WAYPOINTs only the command is
// compared there. Every difference is reported.
func Compare(a, b []Item) error {
	if len(a) != len(b) {
		return fmt.Errorf("compare: %d items sent, %d read back", len(a), len(b))
	}
	var errs []error
	for i := range a {
		if i == 0 && a[0].Command == common.MAV_CMD_NAV_WAYPOINT && b[0].Command == common.MAV_CMD_NAV_WAYPOINT {
			continue
		}
		if err := compareItem(a[i], b[i]); err != nil {
			errs = append(errs, fmt.Errorf("item %d: %w", i, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("compare: %w", errors.Join(errs...))
	}
	return nil
}

func compareItem(a, b Item) error {
	switch {
	case a.Command != b.Command:
		return fmt.Errorf("command %s sent, %s read back", a.Command, b.Command)
	case a.Frame != b.Frame:
		return fmt.Errorf("frame %s sent, %s read back", a.Frame, b.Frame)
	case a.AutoContinue != b.AutoContinue:
		return fmt.Errorf("autocontinue %v sent, %v read back", a.AutoContinue, b.AutoContinue)
	case !near(a.Lat, b.Lat, 1.5e-7) || !near(a.Lon, b.Lon, 1.5e-7):
		return fmt.Errorf("position %.7f,%.7f sent, %.7f,%.7f read back", a.Lat, a.Lon, b.Lat, b.Lon)
	case !near32(a.Alt, b.Alt):
		return fmt.Errorf("altitude %g sent, %g read back", a.Alt, b.Alt)
	}
	for k := range a.Params {
		if !near32(a.Params[k], b.Params[k]) {
			return fmt.Errorf("param%d %g sent, %g read back", k+1, a.Params[k], b.Params[k])
		}
	}
	return nil
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol || a == b }

// near32 compares float32 values with a relative tolerance; NaN equals
// NaN (MAVLink uses it for "unchanged").
func near32(a, b float32) bool {
	x, y := float64(a), float64(b)
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.IsNaN(x) && math.IsNaN(y)
	}
	return math.Abs(x-y) <= 1e-5*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

// EndsWithRTL tells whether a mission's last item returns to launch.
func EndsWithRTL(items []Item) bool {
	return len(items) > 1 && items[len(items)-1].Command == common.MAV_CMD_NAV_RETURN_TO_LAUNCH
}
