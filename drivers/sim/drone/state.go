package drone

import (
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/argus-edge/argus/drivers/mavlink"
)

// ArduCopter modes the simulation flies.
const (
	modeStabilize = uint32(ardupilotmega.COPTER_MODE_STABILIZE)
	modeAuto      = uint32(ardupilotmega.COPTER_MODE_AUTO)
	modeGuided    = uint32(ardupilotmega.COPTER_MODE_GUIDED)
	modeLoiter    = uint32(ardupilotmega.COPTER_MODE_LOITER)
	modeRTL       = uint32(ardupilotmega.COPTER_MODE_RTL)
	modeLand      = uint32(ardupilotmega.COPTER_MODE_LAND)
)

// state is everything the simulation keeps; Drone.mu guards it.
type state struct {
	lat, lon, alt float64 // alt above home
	vn, ve, vd    float64 // m/s north, east, down
	heading       float64
	armed         bool
	mode          uint32
	battery       float64
	speed         float64 // commanded horizontal speed
	gimbalPitch   float64
	guidedAlt     float64 // takeoff target in GUIDED

	lists   map[common.MAV_MISSION_TYPE][]mavlink.Item
	cur     int  // mission item headed for
	running bool // the mission runs (after MISSION_START or AUTO airborne)
	holding time.Duration
	arrived bool // at the current waypoint, holding
	done    bool // mission finished
	reached []int
	texts   []string
	upload  *upload
	drops   int // mission item messages received, for DropItems

	failsafe             string // why it returns home, when a failsafe did it
	intervals            map[uint32]time.Duration
	lastSent             map[uint32]time.Time
	lastHB               time.Time
	lastGCS              time.Time
	gcsSeen              bool
	started              time.Time
	flown                time.Duration // simulated flight time
	outageFrom, outageTo time.Time
}

func newState(o Options) state {
	return state{lat: o.Home.Lat, lon: o.Home.Lon, battery: o.Battery, speed: o.Speed,
		mode: modeStabilize, lists: map[common.MAV_MISSION_TYPE][]mavlink.Item{},
		intervals: map[uint32]time.Duration{}, lastSent: map[uint32]time.Time{}}
}

// Status is a snapshot of the simulated drone for tests.
type Status struct {
	Lat, Lon, Alt  float64 // Alt above home
	Armed          bool
	Mode           string
	Battery        float64
	GPSFix         bool
	MissionCurrent int
	Reached        []int    // MISSION_ITEM_REACHED sent, in order
	Texts          []string // STATUSTEXT sent, in order
	Failsafe       string   // the failsafe that sent it home, if any
	Uploading      bool     // an upload is in progress, the drone's side
	Flown          time.Duration
	Mission, Fence []mavlink.Item
}

// Status returns the drone's state now.
func (d *Drone) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &d.s
	return Status{Lat: s.lat, Lon: s.lon, Alt: s.alt, Armed: s.armed, Mode: mavlink.ModeName(s.mode),
		Battery: s.battery, GPSFix: !d.opts.NoGPS, MissionCurrent: s.cur,
		Reached: append([]int(nil), s.reached...), Texts: append([]string(nil), s.texts...),
		Failsafe: s.failsafe, Flown: s.flown, Uploading: s.upload != nil,
		Mission: append([]mavlink.Item(nil), s.lists[mavlink.Mission]...),
		Fence:   append([]mavlink.Item(nil), s.lists[mavlink.Fence]...)}
}

// Landed reports whether the drone is on the ground and disarmed.
func (s Status) Landed() bool { return !s.Armed && s.Alt < 0.2 }
