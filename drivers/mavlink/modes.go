package mavlink

import (
	"fmt"
	"strings"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
)

// ModeName is the ArduCopter name of a HEARTBEAT custom_mode: STABILIZE,
// GUIDED, AUTO, RTL, LAND, LOITER…, or MODE_<n> for one it does not know.
func ModeName(custom uint32) string {
	s := ardupilotmega.COPTER_MODE(custom).String()
	if name, ok := strings.CutPrefix(s, "COPTER_MODE_"); ok {
		return name
	}
	return fmt.Sprintf("MODE_%d", custom)
}

// ModeNumber is the ArduCopter custom_mode of a mode name (case does not
// matter); false for a name ArduCopter does not have.
func ModeNumber(name string) (uint32, bool) {
	var m ardupilotmega.COPTER_MODE
	if err := m.UnmarshalText([]byte("COPTER_MODE_" + strings.ToUpper(name))); err != nil {
		return 0, false
	}
	return uint32(m), true
}

// statusName is MAV_STATE in words: standby, active, critical, …
func statusName(s minimal.MAV_STATE) string {
	name, ok := strings.CutPrefix(s.String(), "MAV_STATE_")
	if !ok {
		return fmt.Sprintf("state_%d", int(s))
	}
	return strings.ToLower(name)
}
