package airspace

// document is a site's airspace file as written; Parse turns it into a
// Site. Points are written [lat, lon], which the strict decoder reads as
// fixed-size arrays (a wrong count is reported).
type document struct {
	Site           string     `yaml:"site"`
	Geofence       []latLon   `yaml:"geofence"`
	NoFly          []zoneDoc  `yaml:"no_fly"`
	Ceiling        float64    `yaml:"ceiling"`
	BatteryReserve int        `yaml:"battery_reserve"`
	AutoDispatch   bool       `yaml:"auto_dispatch"`
	Verify         verifyDoc  `yaml:"verify"`
	Routes         []routeDoc `yaml:"routes"`
}

type latLon [2]float64

type zoneDoc struct {
	Name    string   `yaml:"name"`
	Polygon []latLon `yaml:"polygon"`
}

type verifyDoc struct {
	Altitude float64 `yaml:"altitude"`
	Standoff float64 `yaml:"standoff"`
}

type routeDoc struct {
	Name      string        `yaml:"name"`
	RTL       *bool         `yaml:"rtl"`
	Waypoints []waypointDoc `yaml:"waypoints"`
}

type waypointDoc struct {
	Lat         float64 `yaml:"lat"`
	Lon         float64 `yaml:"lon"`
	Alt         float64 `yaml:"alt"`
	Speed       float64 `yaml:"speed"`
	Hover       float64 `yaml:"hover"`
	GimbalPitch float64 `yaml:"gimbal_pitch"`
}

// polygon converts written points.
func polygon(pts []latLon) Polygon {
	p := make(Polygon, len(pts))
	for i, q := range pts {
		p[i] = Point{Lat: q[0], Lon: q[1]}
	}
	return p
}
