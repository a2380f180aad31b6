package drone

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/argus-edge/argus/drivers/mavlink"
)

const metresPerDegree = 111320.0

// step advances the simulation by one tick of real duration real; d.mu
// is held.
func (d *Drone) step(now time.Time, real time.Duration) {
	d.uploadTimeouts(now)
	s := &d.s
	s.vn, s.ve, s.vd = 0, 0, 0
	// Sub-steps of at most 100 ms of simulated time, so that a fast clock
	// or a late tick never jumps over a fence or a waypoint.
	for left := real.Seconds() * d.opts.Speedup; left > 0 && s.armed; left -= maxStep {
		dt := min(left, maxStep)
		s.flown += time.Duration(dt * float64(time.Second))
		s.battery = math.Max(0, s.battery-d.opts.DrainPerMinute*dt/60)
		d.failsafes(now)
		d.fly(dt)
	}
	d.telemetry(now)
}

// maxStep is the longest simulation sub-step, in simulated seconds.
const maxStep = 0.1

// failsafes send the drone home on low battery, a lost ground station and
// a fence breach; d.mu is held.
func (d *Drone) failsafes(now time.Time) {
	s := &d.s
	if s.alt < 0.5 || s.mode == modeRTL || s.mode == modeLand {
		return
	}
	why := ""
	switch {
	case s.battery <= d.opts.FailsafeBattery:
		why = "Battery failsafe"
	case s.gcsSeen && now.Sub(s.lastGCS) > d.opts.GCSTimeout:
		why = "GCS failsafe"
	default:
		why = d.breach()
	}
	if why == "" {
		return
	}
	s.failsafe = why
	d.text(common.MAV_SEVERITY_CRITICAL, "%s: returning home", why)
	d.setMode(modeRTL)
}

// breach names the fence the drone is outside of, "" when inside.
func (d *Drone) breach() string {
	var inc, exc [][]mavlink.Point
	items := d.s.lists[mavlink.Fence]
	for i := 0; i < len(items); {
		n := int(items[i].Params[0])
		if n < 3 || i+n > len(items) {
			break // malformed: the upload check would have caught it on a real autopilot
		}
		poly := make([]mavlink.Point, n)
		for k := range n {
			poly[k] = mavlink.Point{Lat: items[i+k].Lat, Lon: items[i+k].Lon}
		}
		switch items[i].Command {
		case common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION:
			inc = append(inc, poly)
		case common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION:
			exc = append(exc, poly)
		}
		i += n
	}
	p := mavlink.Point{Lat: d.s.lat, Lon: d.s.lon}
	for _, poly := range inc {
		if !inside(p, poly) {
			return "Fence breach (outside the inclusion zone)"
		}
	}
	for _, poly := range exc {
		if inside(p, poly) {
			return "Fence breach (inside a no-fly zone)"
		}
	}
	return ""
}

// inside is the even-odd rule on the plane of latitude and longitude,
// good enough at the size of a site.
func inside(p mavlink.Point, poly []mavlink.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) &&
			p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// fly moves the armed drone by dt simulated seconds; d.mu is held.
func (d *Drone) fly(dt float64) {
	s := &d.s
	switch s.mode {
	case modeAuto:
		if s.running {
			d.runMission(dt)
		}
	case modeRTL:
		d.returnHome(dt)
	case modeLand:
		d.descend(dt)
	case modeGuided:
		d.climbTo(s.guidedAlt, dt)
	}
}

// runMission flies the current mission item; d.mu is held.
func (d *Drone) runMission(dt float64) {
	s := &d.s
	list := s.lists[mavlink.Mission]
	s.cur = max(s.cur, 1) // item 0 is the home, never flown to
	for s.cur < len(list) {
		it := list[s.cur]
		switch it.Command {
		case common.MAV_CMD_NAV_TAKEOFF:
			if !d.climbTo(d.relAlt(it), dt) {
				return
			}
			d.reach(s.cur)
		case common.MAV_CMD_NAV_WAYPOINT:
			if !s.arrived {
				if !d.moveTo(it.Lat, it.Lon, d.relAlt(it), s.speed, dt) {
					return
				}
				s.arrived, s.holding = true, 0
				d.reach(s.cur)
			}
			s.holding += time.Duration(dt * float64(time.Second))
			if s.holding.Seconds() < float64(it.Params[0]) {
				return
			}
		case common.MAV_CMD_DO_CHANGE_SPEED:
			if it.Params[1] > 0 {
				s.speed = float64(it.Params[1])
			}
		case common.MAV_CMD_DO_MOUNT_CONTROL:
			s.gimbalPitch = float64(it.Params[0])
		case common.MAV_CMD_NAV_RETURN_TO_LAUNCH:
			d.reach(s.cur)
			s.running, s.done = false, true
			d.setMode(modeRTL)
			return
		case common.MAV_CMD_NAV_LAND:
			d.reach(s.cur)
			s.running, s.done = false, true
			d.setMode(modeLand)
			return
		}
		s.cur++
		s.arrived = false
	}
	if !s.done {
		s.done = true
		d.text(common.MAV_SEVERITY_INFO, "Mission complete, hovering")
	}
}

// relAlt is an item's altitude above home, whatever its frame.
func (d *Drone) relAlt(it mavlink.Item) float64 {
	switch it.Frame {
	case common.MAV_FRAME_GLOBAL, common.MAV_FRAME_GLOBAL_INT:
		return float64(it.Alt) - d.opts.Home.Alt
	}
	return float64(it.Alt)
}

func (d *Drone) reach(seq int) {
	d.s.reached = append(d.s.reached, seq)
	d.send(&common.MessageMissionItemReached{Seq: uint16(seq)})
}

// returnHome climbs to the RTL altitude if lower, flies home, and lands.
func (d *Drone) returnHome(dt float64) {
	s := &d.s
	h := d.opts.Home
	if dist(s.lat, s.lon, h.Lat, h.Lon) > 0.5 {
		alt := math.Max(s.alt, d.opts.RTLAltitude)
		if s.alt < alt-0.1 {
			d.climbTo(alt, dt)
			return
		}
		d.moveTo(h.Lat, h.Lon, s.alt, d.opts.Speed, dt)
		return
	}
	d.descend(dt)
}

// descend lands where it is and disarms on touchdown.
func (d *Drone) descend(dt float64) {
	if d.climbTo(0, dt) {
		d.text(common.MAV_SEVERITY_INFO, "Landed")
		d.disarm()
	}
}

// climbTo changes altitude towards alt; true once there.
func (d *Drone) climbTo(alt, dt float64) bool {
	s := &d.s
	dz := alt - s.alt
	step := d.opts.Climb * dt
	if math.Abs(dz) <= step {
		s.alt = alt
		return true
	}
	s.alt += math.Copysign(step, dz)
	s.vd = -math.Copysign(d.opts.Climb, dz)
	return false
}

// moveTo flies towards a point at speed, climbing at the same time; true
// once there.
func (d *Drone) moveTo(lat, lon, alt, speed, dt float64) bool {
	s := &d.s
	there := d.climbTo(alt, dt)
	n := (lat - s.lat) * metresPerDegree
	e := (lon - s.lon) * metresPerDegree * math.Cos(s.lat*math.Pi/180)
	r := math.Hypot(n, e)
	step := speed * dt
	if r <= step || r < 0.05 {
		s.lat, s.lon = lat, lon
		return there
	}
	s.heading = math.Mod(math.Atan2(e, n)*180/math.Pi+360, 360)
	k := step / r
	s.lat += n * k / metresPerDegree
	s.lon += e * k / (metresPerDegree * math.Cos(s.lat*math.Pi/180))
	s.vn, s.ve = speed*n/r, speed*e/r
	return false
}

// dist is the distance in metres between two nearby points.
func dist(lat1, lon1, lat2, lon2 float64) float64 {
	n := (lat2 - lat1) * metresPerDegree
	e := (lon2 - lon1) * metresPerDegree * math.Cos(lat1*math.Pi/180)
	return math.Hypot(n, e)
}
