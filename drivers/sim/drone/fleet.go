package drone

import (
	"time"

	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/sim"
)

// FromFleet returns the options of a fleet file's simulated drones. It
// lives here, not in drivers/sim, so that the camera simulator (which the
// test peers import everywhere) does not import the MAVLink driver.
func FromFleet(f *sim.Fleet) []Options {
	var out []Options
	for _, d := range f.Drones {
		out = append(out, Options{ID: d.ID, SystemID: d.SystemID, Link: d.Link,
			Home:  mavlink.Point{Lat: d.Home.Lat, Lon: d.Home.Lon, Alt: d.Home.Alt},
			Speed: d.Speed, Climb: d.Climb, Battery: d.Battery, Speedup: d.Speedup,
			GCSTimeout: 5 * time.Second})
	}
	return out
}
