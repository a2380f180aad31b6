package mavlink_test

import (
	"fmt"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// A patrol of two points as ArduCopter gets it: the home, a takeoff, the
// speed and gimbal changes before the points that need them, and the
// return to launch.
func ExamplePatrolItems() {
	home := mavlink.Point{Lat: 22.5476, Lon: 114.047, Alt: 40}
	items := mavlink.PatrolItems(home, []bus.PatrolPoint{
		{Lat: 22.548, Lon: 114.047, Alt: 30, Speed: 6, Hover: 5, GimbalPitch: -45},
		{Lat: 22.549, Lon: 114.048, Alt: 30, Speed: 6, GimbalPitch: -45},
	}, true)
	for i, it := range items {
		fmt.Println(i, it.Command, it.Params[0], it.Alt)
	}
	fmt.Println("waypoints at", mavlink.WaypointSeqs(items))
	// Output:
	// 0 MAV_CMD_NAV_WAYPOINT 0 40
	// 1 MAV_CMD_NAV_TAKEOFF 0 30
	// 2 MAV_CMD_DO_CHANGE_SPEED 1 0
	// 3 MAV_CMD_DO_MOUNT_CONTROL -45 2
	// 4 MAV_CMD_NAV_WAYPOINT 5 30
	// 5 MAV_CMD_NAV_WAYPOINT 0 30
	// 6 MAV_CMD_NAV_RETURN_TO_LAUNCH 0 0
	// waypoints at [4 5]
}
