package droneedge

import (
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
)

// Square is the polygon of the box [lat0,lat1] x [lon0,lon1].
func Square(lat0, lon0, lat1, lon1 float64) airspace.Polygon {
	return airspace.Polygon{{Lat: lat0, Lon: lon0}, {Lat: lat0, Lon: lon1}, {Lat: lat1, Lon: lon1}, {Lat: lat1, Lon: lon0}}
}

// Route is a route through points at 40 m, 5 m/s, ending in RTL.
func Route(name string, pts ...[2]float64) airspace.Route {
	r := airspace.Route{Name: name, RTL: true}
	for _, p := range pts {
		r.Waypoints = append(r.Waypoints, airspace.Waypoint{Lat: p[0], Lon: p[1], Alt: 40, Speed: 5})
	}
	return r
}

// Site is a test site: a ~1.1 km square with a no-fly square (a chemical
// plant) on its east side, and routes that pass (ridge), cross the no-fly
// zone between two legal waypoints (across-plant), or leave the fence
// (beyond-fence); auto turns auto_dispatch on.
func Site(id string, auto bool) *airspace.Site {
	return &airspace.Site{ID: id, Geofence: Square(22.300, 114.170, 22.310, 114.180),
		NoFly:   []airspace.Zone{{Name: "chemical-plant", Polygon: Square(22.304, 114.176, 22.306, 114.178)}},
		Ceiling: 120, BatteryReserve: 25, AutoDispatch: auto,
		Verify: airspace.Verify{Altitude: 50, Standoff: 80},
		Routes: []airspace.Route{
			Route("ridge", [2]float64{22.302, 114.172}, [2]float64{22.308, 114.172}, [2]float64{22.308, 114.174}),
			Route("across-plant", [2]float64{22.305, 114.174}, [2]float64{22.305, 114.179}),
			Route("beyond-fence", [2]float64{22.302, 114.172}, [2]float64{22.320, 114.172}),
		}}
}

// Home is where the test drones of Site stand.
var Home = bus.DronePos{Lat: 22.301, Lon: 114.171, Alt: 0, AltMSL: 80, Heading: 90}

// Idle is a drone of site standing at Home, link up, GPS fixed, battery
// full: every state check of a launch passes.
func Idle(id, site string) bus.DroneTelemetry {
	p := Home
	return bus.DroneTelemetry{Drone: id, Site: site, State: bus.DroneIdle, Link: bus.LinkUp, Mode: "LOITER",
		Status: "standby", Battery: bus.DroneBattery{Percent: 100, Voltage: 16.8}, Position: &p, GPSFix: true}
}
