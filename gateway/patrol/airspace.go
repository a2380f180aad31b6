package patrol

import (
	"slices"
	"strings"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
)

// routeNames are the names of site's routes, in the file's order.
func (s *Service) routeNames(site string) []string {
	out := []string{}
	if a := s.opts.Sites[site]; a != nil {
		for _, r := range a.Routes {
			out = append(out, r.Name)
		}
	}
	return out
}

// LatLon is a point of a plan.
type LatLon struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Zone is a named polygon of a plan.
type Zone struct {
	Name    string   `json:"name"`
	Polygon []LatLon `json:"polygon"`
}

// PlanRoute is a route of a plan.
type PlanRoute struct {
	Name      string            `json:"name"`
	RTL       bool              `json:"rtl"`
	Waypoints []bus.PatrolPoint `json:"waypoints"`
}

// PlanCamera is a camera of the site; Location is the inventory's, or
// where its anomalies said it is, or unknown.
type PlanCamera struct {
	ID       string   `json:"id"`
	Location *bus.Geo `json:"location,omitempty"`
}

// Plan is a site's airspace as the console draws it.
type Plan struct {
	Site         string       `json:"site"`
	Configured   bool         `json:"configured"` // false: no airspace for the site, nothing may fly
	Geofence     []LatLon     `json:"geofence"`
	NoFly        []Zone       `json:"no_fly"`
	Ceiling      float64      `json:"ceiling"`
	Reserve      int          `json:"battery_reserve"`
	AutoDispatch bool         `json:"auto_dispatch"`
	Routes       []PlanRoute  `json:"routes"`
	Cameras      []PlanCamera `json:"cameras"`
}

// Plan is site's airspace and cameras for drawing.
func (s *Service) Plan(site string) Plan {
	p := Plan{Site: site, Geofence: []LatLon{}, NoFly: []Zone{}, Routes: []PlanRoute{}, Cameras: []PlanCamera{}}
	if a := s.opts.Sites[site]; a != nil {
		p.Configured, p.Ceiling, p.Reserve, p.AutoDispatch = true, a.Ceiling, a.BatteryReserve, a.AutoDispatch
		p.Geofence = latLons(a.Geofence)
		for _, z := range a.NoFly {
			p.NoFly = append(p.NoFly, Zone{Name: z.Name, Polygon: latLons(z.Polygon)})
		}
		for _, r := range a.Routes {
			p.Routes = append(p.Routes, PlanRoute{Name: r.Name, RTL: r.RTL, Waypoints: r.Points()})
		}
	}
	cams := slices.Clone(s.opts.Cameras(site))
	slices.SortFunc(cams, func(a, b PlanCamera) int { return strings.Compare(a.ID, b.ID) })
	s.mu.Lock()
	for _, c := range cams {
		if g, ok := s.cameraGeo[c.ID]; ok && c.Location == nil {
			c.Location = &g
		}
		p.Cameras = append(p.Cameras, c)
	}
	s.mu.Unlock()
	return p
}

func latLons(poly airspace.Polygon) []LatLon {
	out := make([]LatLon, len(poly))
	for i, pt := range poly {
		out[i] = LatLon{Lat: pt.Lat, Lon: pt.Lon}
	}
	return out
}
