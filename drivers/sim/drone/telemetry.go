package drone

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/argus-edge/argus/drivers/mavlink"
)

// streamers build the messages a ground station may ask for by id.
var streamers = map[uint32]func(d *Drone, now time.Time) message.Message{
	33:  (*Drone).globalPosition,
	1:   (*Drone).sysStatus,
	147: (*Drone).batteryStatus,
	42:  (*Drone).missionCurrent,
	24:  (*Drone).gpsRaw,
}

// telemetry sends the heartbeat at 1 Hz and each requested stream at its
// interval (real time); d.mu is held.
func (d *Drone) telemetry(now time.Time) {
	s := &d.s
	if now.Sub(s.lastHB) >= time.Second {
		s.lastHB = now
		d.send(d.heartbeat())
	}
	for id, every := range s.intervals {
		if now.Sub(s.lastSent[id]) >= every {
			s.lastSent[id] = now
			d.send(streamers[id](d, now))
		}
	}
}

func (d *Drone) heartbeat() *minimal.MessageHeartbeat {
	s := &d.s
	base := minimal.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | minimal.MAV_MODE_FLAG_STABILIZE_ENABLED
	status := minimal.MAV_STATE_STANDBY
	if s.armed {
		base |= minimal.MAV_MODE_FLAG_SAFETY_ARMED
		status = minimal.MAV_STATE_ACTIVE
	}
	if s.failsafe != "" && s.armed {
		status = minimal.MAV_STATE_CRITICAL
	}
	if s.mode == modeAuto || s.mode == modeGuided || s.mode == modeRTL {
		base |= minimal.MAV_MODE_FLAG_GUIDED_ENABLED | minimal.MAV_MODE_FLAG_AUTO_ENABLED
	}
	return &minimal.MessageHeartbeat{Type: minimal.MAV_TYPE_QUADROTOR, Autopilot: minimal.MAV_AUTOPILOT_ARDUPILOTMEGA,
		BaseMode: base, CustomMode: s.mode, SystemStatus: status, MavlinkVersion: 3}
}

func (d *Drone) bootMs(now time.Time) uint32 { return uint32(now.Sub(d.s.started).Milliseconds()) }

func (d *Drone) globalPosition(now time.Time) message.Message {
	s := &d.s
	lat, lon := s.lat, s.lon
	if d.opts.NoGPS {
		lat, lon = 0, 0 // no fix, no position
	}
	return &common.MessageGlobalPositionInt{TimeBootMs: d.bootMs(now),
		Lat: e7(lat), Lon: e7(lon), Alt: int32((d.opts.Home.Alt + s.alt) * 1000), RelativeAlt: int32(s.alt * 1000),
		Vx: int16(s.vn * 100), Vy: int16(s.ve * 100), Vz: int16(s.vd * 100), Hdg: uint16(s.heading * 100)}
}

func e7(deg float64) int32 { return int32(math.Round(deg * 1e7)) }

// voltage of a 4S pack: 14.0 V empty, 16.8 V full.
func (d *Drone) millivolts() uint16 { return uint16((14.0 + 2.8*d.s.battery/100) * 1000) }

func (d *Drone) sysStatus(time.Time) message.Message {
	return &common.MessageSysStatus{VoltageBattery: d.millivolts(), CurrentBattery: -1,
		BatteryRemaining: int8(math.Round(d.s.battery))}
}

func (d *Drone) batteryStatus(time.Time) message.Message {
	m := &common.MessageBatteryStatus{Id: 0, BatteryFunction: common.MAV_BATTERY_FUNCTION_ALL,
		Type: common.MAV_BATTERY_TYPE_LIPO, Temperature: math.MaxInt16, CurrentBattery: -1,
		CurrentConsumed: -1, EnergyConsumed: -1, BatteryRemaining: int8(math.Round(d.s.battery))}
	for i := range m.Voltages {
		m.Voltages[i] = math.MaxUint16
	}
	m.Voltages[0] = d.millivolts()
	return m
}

func (d *Drone) missionCurrent(time.Time) message.Message {
	s := &d.s
	n := len(s.lists[mavlink.Mission])
	st := common.MISSION_STATE_NOT_STARTED
	switch {
	case n == 0:
		st = common.MISSION_STATE_NO_MISSION
	case s.done:
		st = common.MISSION_STATE_COMPLETE
	case s.running:
		st = common.MISSION_STATE_ACTIVE
	}
	return &common.MessageMissionCurrent{Seq: uint16(s.cur), Total: uint16(n), MissionState: st}
}

func (d *Drone) gpsRaw(now time.Time) message.Message {
	fix, sats := common.GPS_FIX_TYPE_3D_FIX, uint8(14)
	if d.opts.NoGPS {
		fix, sats = common.GPS_FIX_TYPE_NO_FIX, 0
	}
	s := &d.s
	return &common.MessageGpsRawInt{TimeUsec: uint64(now.Sub(s.started).Microseconds()), FixType: fix,
		Lat: e7(s.lat), Lon: e7(s.lon), Alt: int32((d.opts.Home.Alt + s.alt) * 1000),
		Eph: 90, Epv: 120, Vel: uint16(math.Hypot(s.vn, s.ve) * 100), Cog: uint16(s.heading * 100), SatellitesVisible: sats}
}
