package mavlink

import (
	"math"
	"sync"
	"time"

	"github.com/bluenviron/gomavlib/v3"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/argus-edge/argus/drivers/bus"
)

// State is what is known of a vehicle from its telemetry.
type State struct {
	SystemID       int
	Link           string // bus.LinkUp, bus.LinkLost or bus.LinkNone
	LastHeartbeat  time.Time
	Mode           string // ArduCopter mode name: STABILIZE, GUIDED, AUTO, RTL, LAND, LOITER…
	Armed          bool
	Status         string  // MAV_STATE in words: standby, active, critical, emergency, …
	Lat, Lon       float64 // degrees
	AltRel, AltMSL float64 // metres above home, above sea level
	Heading        float64 // degrees from north
	Speed          float64 // ground speed, m/s
	GPSFix         bool    // a 3D fix or better
	BatteryPercent int     // -1 unknown
	Voltage        float64 // volts, 0 unknown
	MissionCurrent int     // the mission item headed for
	MissionCount   int     // items in the mission, when the vehicle says
	LastReached    int     // the last MISSION_ITEM_REACHED, -1 none
	Text           string  // the last STATUSTEXT
	Updated        time.Time
	PositionAt     time.Time // when the last GLOBAL_POSITION_INT arrived
}

// Vehicle is one drone on the node's links, by system id.
type Vehicle struct {
	n     *Node
	sysid int

	mu        sync.Mutex
	st        State
	comp      uint8             // the autopilot's component id
	ch        *gomavlib.Channel // where it was last heard
	subs      map[chan Event]struct{}
	listeners map[*listener]struct{}

	cmdMu     sync.Mutex // one command at a time
	missionMu sync.Mutex // one mission transaction at a time
}

func newVehicle(n *Node, sysid int) *Vehicle {
	return &Vehicle{n: n, sysid: sysid, comp: 1,
		st:   State{SystemID: sysid, Link: bus.LinkNone, BatteryPercent: -1, LastReached: -1},
		subs: map[chan Event]struct{}{}, listeners: map[*listener]struct{}{}}
}

// SystemID is the vehicle's MAVLink system id.
func (v *Vehicle) SystemID() int { return v.sysid }

// State returns a copy of what is known of the vehicle now.
func (v *Vehicle) State() State {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.st
}

// Events subscribes to the vehicle's events; call the returned function to
// unsubscribe (the channel is then closed). A subscriber that falls 256
// events behind loses the newest ones (logged), never blocks the link.
func (v *Vehicle) Events() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	v.mu.Lock()
	v.subs[ch] = struct{}{}
	v.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			v.mu.Lock()
			defer v.mu.Unlock()
			if _, ok := v.subs[ch]; ok {
				delete(v.subs, ch)
				close(ch)
			}
		})
	}
}

func (v *Vehicle) closeSubs() {
	v.mu.Lock()
	defer v.mu.Unlock()
	for ch := range v.subs {
		close(ch)
	}
	v.subs = map[chan Event]struct{}{}
}

// emit sends e to every subscriber; v.mu is held.
func (v *Vehicle) emit(e Event) {
	for ch := range v.subs {
		select {
		case ch <- e:
		default:
			v.n.log.Warn().Int("sysid", v.sysid).Msgf("event subscriber behind: %T dropped", e)
		}
	}
}

// receive applies one frame from the vehicle.
func (v *Vehicle) receive(e *gomavlib.EventFrame) {
	msg := e.Message()
	v.mu.Lock()
	v.ch = e.Channel
	changed := v.apply(msg, e.ComponentID())
	if changed {
		v.st.Updated = time.Now()
	}
	for l := range v.listeners {
		if l.match(msg) {
			select {
			case l.ch <- msg:
			default: // the transaction is behind; the protocol's retries cover it
			}
		}
	}
	v.mu.Unlock()
	if changed {
		v.n.changed(v.sysid)
	}
}

// apply updates the state from msg; v.mu is held. It reports whether the
// state changed in a way OnUpdate should hear of.
func (v *Vehicle) apply(msg message.Message, comp byte) bool {
	st := &v.st
	switch m := msg.(type) {
	case *minimal.MessageHeartbeat:
		if !isAutopilot(m) {
			return false
		}
		v.comp = comp
		st.LastHeartbeat = time.Now()
		st.Mode = ModeName(m.CustomMode)
		st.Armed = m.BaseMode&minimal.MAV_MODE_FLAG_SAFETY_ARMED != 0
		st.Status = statusName(m.SystemStatus)
		if st.Link != bus.LinkUp {
			st.Link = bus.LinkUp
			v.emit(LinkChange{Link: bus.LinkUp})
			v.n.log.Info().Int("sysid", v.sysid).Str("mode", st.Mode).Msg("vehicle link up")
			v.n.wg.Add(1)
			go v.requestStreams()
		}
	case *common.MessageGlobalPositionInt:
		st.Lat, st.Lon = float64(m.Lat)/1e7, float64(m.Lon)/1e7
		st.AltRel, st.AltMSL = float64(m.RelativeAlt)/1000, float64(m.Alt)/1000
		if m.Hdg != math.MaxUint16 {
			st.Heading = float64(m.Hdg) / 100
		}
		st.Speed = math.Hypot(float64(m.Vx), float64(m.Vy)) / 100
		st.PositionAt = time.Now()
	case *common.MessageGpsRawInt:
		st.GPSFix = m.FixType >= common.GPS_FIX_TYPE_3D_FIX
	case *common.MessageSysStatus:
		if m.VoltageBattery != math.MaxUint16 {
			st.Voltage = float64(m.VoltageBattery) / 1000
		}
		st.BatteryPercent = int(m.BatteryRemaining)
	case *common.MessageBatteryStatus:
		if m.Id != 0 {
			return false
		}
		st.BatteryPercent = int(m.BatteryRemaining)
		if m.Voltages[0] != math.MaxUint16 {
			st.Voltage = float64(m.Voltages[0]) / 1000
		}
	case *common.MessageMissionCurrent:
		if int(m.Seq) != st.MissionCurrent {
			v.emit(MissionCurrent{Seq: int(m.Seq)})
		}
		st.MissionCurrent = int(m.Seq)
		if m.Total != 0 && m.Total != math.MaxUint16 {
			st.MissionCount = int(m.Total)
		}
	case *common.MessageMissionItemReached:
		st.LastReached = int(m.Seq)
		v.emit(ItemReached{Seq: int(m.Seq)})
	case *common.MessageStatustext:
		st.Text = m.Text
		v.emit(StatusText{Severity: m.Severity, Text: m.Text})
	case *common.MessageCommandAck:
		v.emit(CommandAck{Cmd: m.Command, Result: m.Result})
		return false
	default:
		return false
	}
	return true
}

// checkLink marks the vehicle link_lost when its heartbeats stopped.
func (v *Vehicle) checkLink(now time.Time) {
	v.mu.Lock()
	lost := v.st.Link == bus.LinkUp && now.Sub(v.st.LastHeartbeat) > v.n.opts.LinkTimeout
	if lost {
		v.st.Link = bus.LinkLost
		v.st.Updated = now
		v.emit(LinkChange{Link: bus.LinkLost})
	}
	last := v.st.LastHeartbeat
	v.mu.Unlock()
	if lost {
		v.n.log.Warn().Int("sysid", v.sysid).Dur("silent", now.Sub(last)).Msg("vehicle link lost")
		v.n.changed(v.sysid)
	}
}

func (v *Vehicle) forgetChannel(ch *gomavlib.Channel) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ch == ch {
		v.ch = nil
	}
}

// send writes msg towards the vehicle: on the channel it was last heard
// on, or on every link when it has not been heard yet.
func (v *Vehicle) send(msg message.Message) error {
	v.mu.Lock()
	ch := v.ch
	v.mu.Unlock()
	if ch != nil {
		return v.n.mav.WriteMessageTo(ch, msg)
	}
	return v.n.mav.WriteMessageAll(msg)
}

// target is the vehicle's system and autopilot component ids.
func (v *Vehicle) target() (uint8, uint8) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return uint8(v.sysid), v.comp
}

// listener receives the vehicle's messages that match, for a transaction.
type listener struct {
	match func(message.Message) bool
	ch    chan message.Message
}

func (v *Vehicle) listen(match func(message.Message) bool) *listener {
	l := &listener{match: match, ch: make(chan message.Message, 64)}
	v.mu.Lock()
	v.listeners[l] = struct{}{}
	v.mu.Unlock()
	return l
}

func (v *Vehicle) unlisten(l *listener) {
	v.mu.Lock()
	delete(v.listeners, l)
	v.mu.Unlock()
}

// Telemetry streams asked for on link up.
var streams = []uint32{
	33,  // GLOBAL_POSITION_INT
	1,   // SYS_STATUS
	147, // BATTERY_STATUS
	42,  // MISSION_CURRENT
	24,  // GPS_RAW_INT
}

// requestStreams asks the vehicle for its telemetry with
// SET_MESSAGE_INTERVAL, once per stream; ArduPilot's acks are not awaited
// (they arrive as CommandAck events) since every link up asks again.
func (v *Vehicle) requestStreams() {
	defer v.n.wg.Done()
	sys, comp := v.target()
	interval := float32(1e6 / v.n.opts.StreamRate)
	for _, id := range streams {
		select {
		case <-v.n.stop:
			return
		default:
		}
		err := v.send(&common.MessageCommandLong{TargetSystem: sys, TargetComponent: comp,
			Command: common.MAV_CMD_SET_MESSAGE_INTERVAL, Param1: float32(id), Param2: interval})
		if err != nil {
			v.n.log.Debug().Err(err).Int("sysid", v.sysid).Msg("stream request not sent")
			return
		}
	}
}
