package drone

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/argus-edge/argus/drivers/mavlink"
)

// maxItems is how many items each list holds, like a small autopilot.
const maxItems = 700

// upload is a mission upload in progress, the vehicle's side.
type upload struct {
	t          common.MAV_MISSION_TYPE
	items      []mavlink.Item
	count      int
	from, comp uint8
	asked      time.Time // when the last MISSION_REQUEST_INT went
	tries      int
}

// dropped tells whether this mission item message is to be ignored as if
// lost (Options.DropItems); d.mu is held.
func (d *Drone) dropped() bool {
	if d.opts.DropItems <= 0 {
		return false
	}
	d.s.drops++
	return d.s.drops%d.opts.DropItems == 0
}

func (d *Drone) ack(to, comp uint8, t common.MAV_MISSION_TYPE, res common.MAV_MISSION_RESULT) {
	d.send(&common.MessageMissionAck{TargetSystem: to, TargetComponent: comp, Type: res, MissionType: t})
}

// missionCount starts an upload (a repeated MISSION_COUNT starts it again).
func (d *Drone) missionCount(m *common.MessageMissionCount, from, comp uint8) {
	t := m.MissionType
	switch {
	case t != mavlink.Mission && t != mavlink.Fence && t != mavlink.Rally:
		d.ack(from, comp, t, common.MAV_MISSION_UNSUPPORTED)
		return
	case d.opts.Refuse != common.MAV_MISSION_ACCEPTED:
		d.text(common.MAV_SEVERITY_WARNING, "Mission upload refused: %s", d.opts.Refuse)
		d.ack(from, comp, t, d.opts.Refuse)
		return
	case int(m.Count) > maxItems:
		d.ack(from, comp, t, common.MAV_MISSION_NO_SPACE)
		return
	case m.Count == 0:
		d.setList(t, nil)
		d.s.upload = nil
		d.ack(from, comp, t, common.MAV_MISSION_ACCEPTED)
		return
	}
	d.s.upload = &upload{t: t, count: int(m.Count), from: from, comp: comp}
	d.request()
}

// request asks for the next item of the upload; d.mu is held.
func (d *Drone) request() {
	u := d.s.upload
	u.asked = time.Now()
	d.send(&common.MessageMissionRequestInt{TargetSystem: u.from, TargetComponent: u.comp,
		Seq: uint16(len(u.items)), MissionType: u.t})
}

// missionItem takes one uploaded item; d.mu is held.
func (d *Drone) missionItem(m *common.MessageMissionItemInt, from, comp uint8) {
	u := d.s.upload
	if u == nil || m.MissionType != u.t {
		return
	}
	if d.dropped() {
		return
	}
	if int(m.Seq) != len(u.items) {
		d.request() // out of order or repeated: ask again for the one missing
		return
	}
	if res := checkItem(m); res != common.MAV_MISSION_ACCEPTED {
		d.s.upload = nil
		d.ack(from, comp, u.t, res)
		return
	}
	u.items = append(u.items, mavlink.ItemOf(m))
	u.tries = 0
	if len(u.items) < u.count {
		d.request()
		return
	}
	d.setList(u.t, u.items)
	d.s.upload = nil
	d.ack(from, comp, u.t, common.MAV_MISSION_ACCEPTED)
	d.log.Info().Int("items", u.count).Str("type", u.t.String()).Msg("upload accepted")
}

// checkItem refuses what ArduCopter would: frames it does not fly and
// positions off the globe.
func checkItem(m *common.MessageMissionItemInt) common.MAV_MISSION_RESULT {
	switch m.Frame {
	case common.MAV_FRAME_GLOBAL, common.MAV_FRAME_GLOBAL_INT, common.MAV_FRAME_GLOBAL_RELATIVE_ALT,
		common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, common.MAV_FRAME_MISSION:
	default:
		return common.MAV_MISSION_UNSUPPORTED_FRAME
	}
	switch {
	case m.X < -900000000 || m.X > 900000000:
		return common.MAV_MISSION_INVALID_PARAM5_X
	case m.Y < -1800000000 || m.Y > 1800000000:
		return common.MAV_MISSION_INVALID_PARAM6_Y
	case math.IsNaN(float64(m.Z)) && m.Frame != common.MAV_FRAME_MISSION:
		return common.MAV_MISSION_INVALID_PARAM7
	}
	return common.MAV_MISSION_ACCEPTED
}

// setList replaces a list. Item 0 of a mission is the home: like
// ArduPilot, the drone keeps its own home there; d.mu is held.
func (d *Drone) setList(t common.MAV_MISSION_TYPE, items []mavlink.Item) {
	if t == mavlink.Mission && len(items) > 0 {
		h := d.opts.Home
		items[0].Lat, items[0].Lon, items[0].Alt = h.Lat, h.Lon, float32(h.Alt)
	}
	d.s.lists[t] = items
	if t == mavlink.Mission {
		d.s.cur, d.s.done = 0, false
	}
}

// missionRequest sends one item of a list being read back; d.mu is held.
func (d *Drone) missionRequest(seq int, t common.MAV_MISSION_TYPE, from, comp uint8) {
	if d.dropped() {
		return
	}
	list := d.s.lists[t]
	if seq >= len(list) {
		d.ack(from, comp, t, common.MAV_MISSION_INVALID_SEQUENCE)
		return
	}
	it := list[seq]
	ac := uint8(0)
	if it.AutoContinue {
		ac = 1
	}
	d.send(&common.MessageMissionItemInt{TargetSystem: from, TargetComponent: comp, Seq: uint16(seq),
		Frame: it.Frame, Command: it.Command, Autocontinue: ac,
		Param1: it.Params[0], Param2: it.Params[1], Param3: it.Params[2], Param4: it.Params[3],
		X: int32(math.Round(it.Lat * 1e7)), Y: int32(math.Round(it.Lon * 1e7)), Z: it.Alt, MissionType: t})
}

// uploadTimeouts asks again for an item not received within 1.5 s, and
// gives the upload up after 5 asks, as the mission protocol has it.
func (d *Drone) uploadTimeouts(now time.Time) {
	u := d.s.upload
	if u == nil || now.Sub(u.asked) < 1500*time.Millisecond {
		return
	}
	if u.tries >= 5 {
		d.log.Warn().Int("received", len(u.items)).Int("count", u.count).Msg("upload timed out")
		d.s.upload = nil
		return
	}
	u.tries++
	d.request()
}
