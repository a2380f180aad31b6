package sim

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/argus-edge/argus/drivers/mavlink/link"
)

// FleetDrone is one simulated MAVLink drone of a fleet file, with its
// camera feed served as an RTSP path.
type FleetDrone struct {
	// ID names the drone, e.g. hillside-1.
	ID string `yaml:"id"`
	// SystemID is its MAVLink system id, 1..250, unique in the fleet.
	SystemID int `yaml:"system_id"`
	// Link is its MAVLink link URL, e.g. udps://127.0.0.1:14561 (a UDP
	// server the edge's udpc link reaches).
	Link string `yaml:"link"`
	// Home is where it takes off and lands: lat, lon, alt (metres above
	// sea level).
	Home FleetPoint `yaml:"home"`
	// Speed is its cruise speed, m/s (default 8).
	Speed float64 `yaml:"speed"`
	// Climb is its climb rate, m/s (default 3).
	Climb float64 `yaml:"climb"`
	// Battery is its charge at start, percent (default 100).
	Battery float64 `yaml:"battery"`
	// Speedup runs its flight clock faster than real time (default 1).
	Speedup float64 `yaml:"speedup"`
	// Path is the RTSP path of its camera feed (default drone-<id>).
	Path string `yaml:"path"`
	// Scene is the scene kind its camera shows (default empty).
	Scene Kind `yaml:"scene"`
	// SigningKeyEnv names the environment variable holding its MAVLink
	// signing key (64 hex digits or the base64 of 32 bytes): the drone
	// then signs its frames and refuses unsigned ones. Empty: unsigned.
	SigningKeyEnv string `yaml:"signing_key_env"`

	line  int
	lines map[string]int
}

// FleetPoint is a position in a fleet file.
type FleetPoint struct {
	Lat float64 `yaml:"lat"`
	Lon float64 `yaml:"lon"`
	Alt float64 `yaml:"alt"`
}

func (d *FleetDrone) setLines(n *yaml.Node) {
	d.line, d.lines = n.Line, map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		d.lines[n.Content[i].Value] = n.Content[i].Line
	}
}

// At is file:line of key in the drone's entry (of the entry when the key
// is absent), for errors found outside this package.
func (d *FleetDrone) At(file, key string) string { return d.at(file, key) }

func (d *FleetDrone) at(file, key string) string {
	if l, ok := d.lines[key]; ok {
		return file + ":" + strconv.Itoa(l)
	}
	return file + ":" + strconv.Itoa(d.line)
}

func (d *FleetDrone) path() string {
	if d.Path != "" {
		return d.Path
	}
	return "drone-" + d.ID
}

func (d *FleetDrone) scene() Kind {
	if d.Scene != "" {
		return d.Scene
	}
	return Empty
}

// check validates one drone; ids and system ids must be unique across the
// fleet, which checkDrones sees.
func (d *FleetDrone) check(file string) error {
	switch {
	case d.ID == "":
		return fmt.Errorf("%s: drone: id missing", d.at(file, ""))
	case d.SystemID < 1 || d.SystemID > 250:
		return fmt.Errorf("%s: drone %q: system_id %d: want 1..250", d.at(file, "system_id"), d.ID, d.SystemID)
	case d.Home.Lat < -90 || d.Home.Lat > 90 || d.Home.Lon < -180 || d.Home.Lon > 180 || (d.Home.Lat == 0 && d.Home.Lon == 0):
		return fmt.Errorf("%s: drone %q: home %v,%v: want lat -90..90, lon -180..180", d.at(file, "home"), d.ID, d.Home.Lat, d.Home.Lon)
	case d.Speed < 0 || d.Speed > 30:
		return fmt.Errorf("%s: drone %q: speed %g: want 0..30 m/s", d.at(file, "speed"), d.ID, d.Speed)
	case d.Battery < 0 || d.Battery > 100:
		return fmt.Errorf("%s: drone %q: battery %g: want 0..100 %%", d.at(file, "battery"), d.ID, d.Battery)
	case d.Speedup < 0 || d.Speedup > 100:
		return fmt.Errorf("%s: drone %q: speedup %g: want 1..100", d.at(file, "speedup"), d.ID, d.Speedup)
	}
	if _, err := link.Parse(d.Link); err != nil {
		return fmt.Errorf("%s: drone %q: %w", d.at(file, "link"), d.ID, err)
	}
	probe := Camera{Path: d.path(), Scene: SceneSpec{Kind: d.scene()}}
	if err := probe.Validate(); err != nil {
		return fmt.Errorf("%s: drone %q: camera: %w", d.at(file, "scene"), d.ID, err)
	}
	return nil
}

// checkDrones checks every drone and that ids and system ids are unique.
func (f *Fleet) checkDrones(claim func(path, at string) error) []error {
	var errs []error
	ids, sysids := map[string]string{}, map[int]string{}
	for i := range f.Drones {
		d := &f.Drones[i]
		errs = append(errs, d.check(f.File))
		if prev, ok := ids[d.ID]; ok && d.ID != "" {
			errs = append(errs, fmt.Errorf("%s: drone id %q already used at %s", d.at(f.File, "id"), d.ID, prev))
		}
		ids[d.ID] = d.at(f.File, "id")
		if prev, ok := sysids[d.SystemID]; ok {
			errs = append(errs, fmt.Errorf("%s: drone %q: system_id %d already used at %s", d.at(f.File, "system_id"), d.ID, d.SystemID, prev))
		}
		sysids[d.SystemID] = d.at(f.File, "system_id")
		errs = append(errs, claim(d.path(), d.at(f.File, "path")))
	}
	return errs
}

// DroneCameras returns the camera feeds of the fleet's drones, one RTSP
// path each. They are apart from Resolve's cameras: a fixed-camera edge
// does not pull them.
func (f *Fleet) DroneCameras() []Camera {
	var cams []Camera
	for i := range f.Drones {
		d := &f.Drones[i]
		cams = append(cams, Camera{Path: d.path(), Scene: SceneSpec{Kind: d.scene()}})
	}
	return cams
}
