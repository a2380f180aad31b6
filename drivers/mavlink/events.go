package mavlink

import "github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

// Event is something a vehicle said or that happened to its link, in the
// order it happened: ItemReached, StatusText, CommandAck, MissionCurrent
// or LinkChange.
type Event interface{ isEvent() }

// ItemReached is MISSION_ITEM_REACHED: the vehicle reached mission item Seq.
type ItemReached struct{ Seq int }

// StatusText is a STATUSTEXT the vehicle sent.
type StatusText struct {
	Severity common.MAV_SEVERITY
	Text     string
}

// CommandAck is a COMMAND_ACK the vehicle sent, to us or to another
// ground station.
type CommandAck struct {
	Cmd    common.MAV_CMD
	Result common.MAV_RESULT
}

// MissionCurrent is a change of the mission item the vehicle heads for.
type MissionCurrent struct{ Seq int }

// LinkChange is a change of the vehicle's link: bus.LinkUp or bus.LinkLost.
type LinkChange struct{ Link string }

func (ItemReached) isEvent()    {}
func (StatusText) isEvent()     {}
func (CommandAck) isEvent()     {}
func (MissionCurrent) isEvent() {}
func (LinkChange) isEvent()     {}
