package mavlink

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

// ErrNoAnswer is returned when the vehicle did not answer within the
// protocol's timeouts and retries.
var ErrNoAnswer = errors.New("no answer from the vehicle")

// MissionError is a mission transaction the vehicle refused with a
// MISSION_ACK other than MAV_MISSION_ACCEPTED.
type MissionError struct {
	Op     string // upload, download, clear
	Type   MissionType
	Result common.MAV_MISSION_RESULT
}

// Error says what was refused and the vehicle's reason, by name and in words.
func (e *MissionError) Error() string {
	return fmt.Sprintf("%s of the %s refused by the vehicle: %s (%s)", e.Op, typeName(e.Type), e.Result, missionResultWords[e.Result])
}

var missionResultWords = map[common.MAV_MISSION_RESULT]string{
	common.MAV_MISSION_ERROR:               "generic error",
	common.MAV_MISSION_UNSUPPORTED_FRAME:   "a coordinate frame it does not support",
	common.MAV_MISSION_UNSUPPORTED:         "a command it does not support",
	common.MAV_MISSION_NO_SPACE:            "more items than it can hold",
	common.MAV_MISSION_INVALID:             "a parameter out of range",
	common.MAV_MISSION_INVALID_PARAM1:      "param1 out of range",
	common.MAV_MISSION_INVALID_PARAM2:      "param2 out of range",
	common.MAV_MISSION_INVALID_PARAM3:      "param3 out of range",
	common.MAV_MISSION_INVALID_PARAM4:      "param4 out of range",
	common.MAV_MISSION_INVALID_PARAM5_X:    "latitude out of range",
	common.MAV_MISSION_INVALID_PARAM6_Y:    "longitude out of range",
	common.MAV_MISSION_INVALID_PARAM7:      "altitude out of range",
	common.MAV_MISSION_INVALID_SEQUENCE:    "items out of sequence",
	common.MAV_MISSION_DENIED:              "not accepting missions now",
	common.MAV_MISSION_OPERATION_CANCELLED: "the transaction was cancelled",
}

func typeName(t MissionType) string {
	return strings.ToLower(strings.TrimPrefix(t.String(), "MAV_MISSION_TYPE_"))
}

// CommandError is a command the vehicle answered with a result other
// than MAV_RESULT_ACCEPTED.
type CommandError struct {
	Cmd    common.MAV_CMD
	Result common.MAV_RESULT
}

// Error names the command and the vehicle's result.
func (e *CommandError) Error() string {
	return fmt.Sprintf("%s refused by the vehicle: %s", e.Cmd, e.Result)
}

// ErrClosed is returned by a transaction cut short by Node.Close.
var ErrClosed = errors.New("mavlink node closed")
