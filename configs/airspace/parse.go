package airspace

import (
	"path/filepath"
	"strings"

	"github.com/argus-edge/argus/configs/strict"
)

// Parse decodes and validates a site's airspace written in YAML or JSON,
// filling in the defaults of keys left out. file only names the source in
// problems. Problems come back all at once as a *strict.Error.
//
// Parse checks the document on its own: ranges, names, polygons that do
// not cross themselves. Whether a route stays in the fence, out of the
// no-fly zones and under the ceiling depends on where the drone takes off
// and is Preflight's to say.
func Parse(file string, data []byte) (*Site, error) {
	return parse(file, data, nil)
}

// parse is Parse with an extra check run before the problems are
// reported (the site matching the file name).
func parse(file string, data []byte, check func(*Site, *strict.Problems)) (*Site, error) {
	var d document
	ps := strict.Decode(file, data, &d,
		strict.Root("a mapping with site, geofence and routes"), strict.Unit("site's airspace"))
	if ps.Failed("") {
		return nil, ps.Err()
	}
	s := build(&d, ps)
	validate(s, ps)
	if check != nil {
		check(s, ps)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	s.File = file
	return s, nil
}

// build turns the written document into a Site, with the defaults of keys
// left out; a zero written explicitly stays, for validate to report.
func build(d *document, ps *strict.Problems) *Site {
	s := &Site{
		ID:             d.Site,
		Geofence:       polygon(d.Geofence),
		Ceiling:        d.Ceiling,
		BatteryReserve: d.BatteryReserve,
		AutoDispatch:   d.AutoDispatch,
		Verify:         Verify(d.Verify),
	}
	if !ps.Written("ceiling") {
		s.Ceiling = MaxCeiling
	}
	if !ps.Written("battery_reserve") {
		s.BatteryReserve = DefaultBatteryReserve
	}
	if !ps.Written("verify.altitude") {
		s.Verify.Altitude = DefaultVerifyAltitude
	}
	if !ps.Written("verify.standoff") {
		s.Verify.Standoff = DefaultVerifyStandoff
	}
	for _, z := range d.NoFly {
		s.NoFly = append(s.NoFly, Zone{Name: z.Name, Polygon: polygon(z.Polygon)})
	}
	for i, r := range d.Routes {
		path := strict.Index("routes", i)
		route := Route{Name: r.Name, RTL: r.RTL == nil || *r.RTL, Line: ps.Line(path)}
		for j, w := range r.Waypoints {
			wp := Waypoint(w)
			if !ps.Written(strict.Index(path+".waypoints", j) + ".speed") {
				wp.Speed = DefaultSpeed
			}
			route.Waypoints = append(route.Waypoints, wp)
		}
		s.Routes = append(s.Routes, route)
	}
	return s
}

// LoadDir reads every <site>.yaml (or .yml, .json) in dir, keyed by site.
// A file's site must match its name. Problems of all files come back
// together, each naming its file and line.
func LoadDir(dir string) (map[string]*Site, error) {
	return strict.LoadSites(dir, "airspace", func(path string, data []byte) (*Site, string, error) {
		s, err := ParseFile(path, data)
		if err != nil {
			return nil, "", err
		}
		return s, s.ID, nil
	})
}

// ParseFile parses <site>.yaml (or .yml, .json): Parse, and the site must
// match the file name.
func ParseFile(path string, data []byte) (*Site, error) {
	base := filepath.Base(path)
	site := strings.TrimSuffix(base, filepath.Ext(base))
	return parse(path, data, func(s *Site, ps *strict.Problems) {
		if s.ID != site && s.ID != "" {
			ps.Addf("site", "%q does not match the file name: %s holds site %s", s.ID, base, site)
		}
	})
}
