package airspace_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
)

// chemplantHome is where a drone based at the chemical plant would take
// off (no demo drone is; configs/sites/chemplant.yaml says so).
var chemplantHome = airspace.Point{Lat: 22.5330, Lon: 114.0575}

// demo loads the demo edge config and the demo sites beside it.
func demo(t *testing.T) (*configs.Edge, map[string]*airspace.Site) {
	t.Helper()
	cfg, err := configs.Parse(configs.DemoFile, configs.Demo)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AirspaceDir != "configs/sites" {
		t.Fatalf("airspace_dir %q", cfg.AirspaceDir)
	}
	sites, err := airspace.LoadDir("../sites")
	if err != nil {
		t.Fatal(err)
	}
	return cfg, sites
}

// homes are the demo's take-off points by site, drones of demo.yaml first.
func homes(cfg *configs.Edge) map[string]airspace.Drone {
	out := map[string]airspace.Drone{"chemplant": {ID: "drone-chemplant", Site: "chemplant", Home: chemplantHome, MaxSpeed: 10, Endurance: 20 * time.Minute}}
	for _, d := range cfg.Drones {
		out[d.Site] = airspace.Drone{ID: d.ID, Site: d.Site, Home: airspace.Point{Lat: d.Home.Lat, Lon: d.Home.Lon},
			MaxSpeed: d.MaxSpeed, Endurance: d.Endurance.D()}
	}
	for site, d := range out {
		d.LinkUp, d.GPSFix, d.Idle, d.Battery = true, true, true, 100
		out[site] = d
	}
	return out
}

// Every demo site has its airspace, and every route of it passes its
// pre-flight from the site's drone home on a full battery.
func TestDemoRoutesPassPreflight(t *testing.T) {
	cfg, sites := demo(t)
	drones := homes(cfg)
	if len(cfg.Drones) != 2 || len(sites) != len(cfg.Sites) {
		t.Fatalf("%d drones, %d airspace files for %d sites", len(cfg.Drones), len(sites), len(cfg.Sites))
	}
	if !sites["hillside"].AutoDispatch || sites["riverside"].AutoDispatch {
		t.Error("auto_dispatch must be on at hillside only")
	}
	for _, site := range cfg.Sites {
		s, ok := sites[site.ID]
		if !ok {
			t.Errorf("site %s has no airspace file", site.ID)
			continue
		}
		if len(s.Routes) == 0 || len(s.NoFly) == 0 {
			t.Errorf("site %s: %d routes, %d no-fly zones", s.ID, len(s.Routes), len(s.NoFly))
		}
		for _, r := range s.Routes {
			checks := airspace.Preflight(s, r, drones[s.ID])
			if !airspace.Passed(checks) {
				t.Errorf("%s:%d: route %s fails its pre-flight: %+v", s.File, r.Line, r.Name, airspace.Failed(checks))
			}
		}
		if p := s.RouteProblems(drones[s.ID]); p != nil {
			t.Errorf("site %s: RouteProblems = %+v", s.ID, p)
		}
	}
}

// A drone can be sent to look at every demo camera of its site.
func TestDemoCamerasCanBeVerified(t *testing.T) {
	cfg, sites := demo(t)
	drones := homes(cfg)
	for _, c := range cfg.Cameras {
		s, d := sites[c.Site], drones[c.Site]
		target := airspace.Point{Lat: c.Location.Lat, Lon: c.Location.Lon}
		r, err := airspace.VerifyRoute(s, d.Home, target, 30*time.Second)
		if err != nil {
			t.Errorf("camera %s: %v", c.ID, err)
			continue
		}
		if checks := airspace.Preflight(s, r, d); !airspace.Passed(checks) {
			t.Errorf("camera %s: the verification route fails: %+v", c.ID, airspace.Failed(checks))
		}
	}
}

// A pilot reads every check, passed or not.
func ExamplePreflight() {
	s, err := airspace.Parse("quay.yaml", []byte(`site: quay
geofence: [[22.5400, 114.0500], [22.5450, 114.0500], [22.5450, 114.0560], [22.5400, 114.0560]]
no_fly:
  - {name: tank farm, polygon: [[22.5420, 114.0520], [22.5430, 114.0520], [22.5430, 114.0530], [22.5420, 114.0530]]}
ceiling: 60
routes:
  - name: across
    waypoints:
      - {lat: 22.5425, lon: 114.0510, alt: 40}
      - {lat: 22.5425, lon: 114.0550, alt: 70}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, _ := s.Route("across")
	d := airspace.Drone{ID: "d1", Site: "quay", Home: airspace.Point{Lat: 22.5405, Lon: 114.0505},
		MaxSpeed: 10, Endurance: 20 * time.Minute, LinkUp: true, GPSFix: true, Idle: true, Battery: 60}
	for _, c := range airspace.Preflight(s, r, d) {
		fmt.Printf("%-8s %-5v %s\n", c.Name, c.OK, c.Reason)
	}
	// Output:
	// geofence true  all 3 legs stay inside the geofence
	// no_fly   false leg 1→2 crosses no-fly zone "tank farm" at 22.54250, 114.05200
	// ceiling  false waypoint 2 at 70 m is above the site's ceiling of 60 m
	// battery  true  needs 26% + 25% reserve, has 60% (about 5m5s and 1.2 km of flight on 20m0s of endurance)
	// link     true  the link is up
	// gps      true  GPS has a 3D fix
	// idle     true  on the ground and free
}
