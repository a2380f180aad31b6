package drone

import (
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
)

// handle answers one received frame; d.mu is held.
func (d *Drone) handle(f *gomavlib.EventFrame) {
	from, comp := f.SystemID(), f.ComponentID()
	me := uint8(d.opts.SystemID)
	switch m := f.Message().(type) {
	case *minimal.MessageHeartbeat:
		if m.Type == minimal.MAV_TYPE_GCS {
			d.s.lastGCS, d.s.gcsSeen = time.Now(), true
		}
	case *common.MessageCommandLong:
		if m.TargetSystem == me {
			res := d.command(m)
			d.send(&common.MessageCommandAck{Command: m.Command, Result: res, TargetSystem: from, TargetComponent: comp})
		}
	case *common.MessageSetMode:
		if m.TargetSystem == me {
			d.setMode(m.CustomMode)
		}
	case *common.MessageMissionCount:
		if m.TargetSystem == me {
			d.missionCount(m, from, comp)
		}
	case *common.MessageMissionItemInt:
		if m.TargetSystem == me {
			d.missionItem(m, from, comp)
		}
	case *common.MessageMissionRequestList:
		if m.TargetSystem == me {
			d.send(&common.MessageMissionCount{TargetSystem: from, TargetComponent: comp,
				Count: uint16(len(d.s.lists[m.MissionType])), MissionType: m.MissionType})
		}
	case *common.MessageMissionRequestInt:
		if m.TargetSystem == me {
			d.missionRequest(int(m.Seq), m.MissionType, from, comp)
		}
	case *common.MessageMissionRequest:
		if m.TargetSystem == me {
			d.missionRequest(int(m.Seq), m.MissionType, from, comp)
		}
	case *common.MessageMissionClearAll:
		if m.TargetSystem == me {
			d.setList(m.MissionType, nil)
			d.send(&common.MessageMissionAck{TargetSystem: from, TargetComponent: comp,
				Type: common.MAV_MISSION_ACCEPTED, MissionType: m.MissionType})
		}
	}
}

// command runs one COMMAND_LONG and returns its result; d.mu is held.
func (d *Drone) command(m *common.MessageCommandLong) common.MAV_RESULT {
	s := &d.s
	switch m.Command {
	case common.MAV_CMD_COMPONENT_ARM_DISARM:
		if m.Param1 == 1 {
			return d.arm()
		}
		if s.alt > 0.2 && m.Param2 != 21196 { // 21196 forces it, in ArduPilot
			d.text(common.MAV_SEVERITY_WARNING, "Disarm refused: flying")
			return common.MAV_RESULT_FAILED
		}
		d.disarm()
		return common.MAV_RESULT_ACCEPTED
	case common.MAV_CMD_DO_SET_MODE:
		return d.setMode(uint32(m.Param2))
	case common.MAV_CMD_MISSION_START:
		if !s.armed {
			d.text(common.MAV_SEVERITY_WARNING, "Mission start refused: not armed")
			return common.MAV_RESULT_FAILED
		}
		if len(s.lists[common.MAV_MISSION_TYPE_MISSION]) < 2 {
			d.text(common.MAV_SEVERITY_WARNING, "Mission start refused: no mission")
			return common.MAV_RESULT_FAILED
		}
		s.mode, s.running, s.done, s.cur, s.arrived, s.failsafe = modeAuto, true, false, max(1, int(m.Param1)), false, ""
		d.text(common.MAV_SEVERITY_INFO, "Mission: %d started", s.cur)
		return common.MAV_RESULT_ACCEPTED
	case common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
		return d.setMode(modeRTL)
	case common.MAV_CMD_NAV_TAKEOFF:
		if !s.armed || s.mode != modeGuided {
			d.text(common.MAV_SEVERITY_WARNING, "Takeoff refused: arm in GUIDED first")
			return common.MAV_RESULT_FAILED
		}
		s.guidedAlt = float64(m.Param7)
		return common.MAV_RESULT_ACCEPTED
	case common.MAV_CMD_SET_MESSAGE_INTERVAL:
		return d.setInterval(uint32(m.Param1), m.Param2)
	}
	return common.MAV_RESULT_UNSUPPORTED
}

func (d *Drone) arm() common.MAV_RESULT {
	s := &d.s
	switch {
	case s.armed:
		return common.MAV_RESULT_ACCEPTED
	case d.opts.NoGPS:
		d.text(common.MAV_SEVERITY_CRITICAL, "PreArm: Need 3D Fix")
		return common.MAV_RESULT_FAILED
	case s.battery <= d.opts.FailsafeBattery:
		d.text(common.MAV_SEVERITY_CRITICAL, "PreArm: Battery below failsafe %.0f%%", d.opts.FailsafeBattery)
		return common.MAV_RESULT_FAILED
	}
	s.armed, s.failsafe, s.done, s.reached = true, "", false, nil
	d.text(common.MAV_SEVERITY_INFO, "Arming motors")
	return common.MAV_RESULT_ACCEPTED
}

func (d *Drone) disarm() {
	s := &d.s
	if !s.armed {
		return
	}
	s.armed, s.running, s.alt, s.vn, s.ve, s.vd = false, false, 0, 0, 0, 0
	d.text(common.MAV_SEVERITY_INFO, "Disarming motors")
}

// setMode switches to an ArduCopter custom mode; d.mu is held.
func (d *Drone) setMode(mode uint32) common.MAV_RESULT {
	s := &d.s
	switch mode {
	case modeAuto:
		if len(s.lists[common.MAV_MISSION_TYPE_MISSION]) < 2 {
			d.text(common.MAV_SEVERITY_WARNING, "Mode change to AUTO failed: no mission")
			return common.MAV_RESULT_FAILED
		}
		if s.alt > 0.5 { // airborne: resume the mission
			s.running = true
		}
	case modeStabilize, modeGuided, modeLoiter, modeRTL, modeLand:
		s.running = false
	default:
		return common.MAV_RESULT_UNSUPPORTED
	}
	if mode == modeGuided {
		s.guidedAlt = s.alt
	}
	s.mode = mode
	return common.MAV_RESULT_ACCEPTED
}

// setInterval serves SET_MESSAGE_INTERVAL: us < 0 stops a stream, 0 sets
// its default (1 Hz).
func (d *Drone) setInterval(id uint32, us float32) common.MAV_RESULT {
	if _, ok := streamers[id]; !ok {
		return common.MAV_RESULT_UNSUPPORTED
	}
	switch {
	case us < 0:
		delete(d.s.intervals, id)
	case us == 0:
		d.s.intervals[id] = time.Second
	default:
		d.s.intervals[id] = time.Duration(us) * time.Microsecond
	}
	return common.MAV_RESULT_ACCEPTED
}
