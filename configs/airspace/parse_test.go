package airspace

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argus-edge/argus/configs/strict"
)

// base is a valid site; cases change one line of it. Line numbers:
//
//	1 site, 2 geofence, 3-6 its points, 7 no_fly, 8 name, 9 polygon,
//	10 routes, 11 name, 12 waypoints, 13 first waypoint.
const base = `site: quay
geofence:
  - [22.5400, 114.0500]
  - [22.5450, 114.0500]
  - [22.5450, 114.0560]
  - [22.5400, 114.0560]
no_fly:
  - name: tank farm
    polygon: [[22.5420, 114.0520], [22.5430, 114.0520], [22.5430, 114.0530]]
routes:
  - name: quay-walk
    waypoints:
      - {lat: 22.5410, lon: 114.0510, alt: 40}
`

func edit(old, new string) string {
	if !strings.Contains(base, old) {
		panic("base lacks " + old)
	}
	return strings.Replace(base, old, new, 1)
}

func TestParseDefaults(t *testing.T) {
	s, err := Parse("quay.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "quay" || s.File != "quay.yaml" || len(s.Geofence) != 4 || s.Geofence[2] != (Point{22.545, 114.056}) {
		t.Errorf("site %+v", s)
	}
	if s.Ceiling != 120 || s.BatteryReserve != 25 || s.AutoDispatch || s.Verify != (Verify{60, 80}) {
		t.Errorf("defaults %+v", s)
	}
	r, ok := s.Route("quay-walk")
	if !ok || !r.RTL || r.Line != 11 || len(r.Waypoints) != 1 {
		t.Fatalf("route %+v", r)
	}
	if w := r.Waypoints[0]; w != (Waypoint{Lat: 22.541, Lon: 114.051, Alt: 40, Speed: DefaultSpeed}) {
		t.Errorf("waypoint %+v", w)
	}
	if len(s.NoFly) != 1 || s.NoFly[0].Name != "tank farm" || len(s.NoFly[0].Polygon) != 3 {
		t.Errorf("no_fly %+v", s.NoFly)
	}
}

func TestParseWritten(t *testing.T) {
	doc := base + `ceiling: 80
battery_reserve: 0
auto_dispatch: true
verify: {altitude: 30, standoff: 50}
`
	doc = strings.Replace(doc, "alt: 40}", "alt: 40, speed: 12, hover: 5, gimbal_pitch: -90}\n    rtl: false", 1)
	s, err := Parse("quay.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if s.Ceiling != 80 || s.BatteryReserve != 0 || !s.AutoDispatch || s.Verify != (Verify{30, 50}) {
		t.Errorf("site %+v", s)
	}
	if r := s.Routes[0]; r.RTL || r.Waypoints[0] != (Waypoint{22.541, 114.051, 40, 12, 5, -90}) {
		t.Errorf("route %+v", r)
	}
}

func TestParseProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		field, msg string
	}{
		{"site missing", edit("site: quay\n", ""), 1, "site", "is required"},
		{"site invalid", edit("site: quay", "site: Quay/1"), 1, "site", `"Quay/1" is not a valid site id`},
		{"unknown key", edit("site: quay", "site: quay\nceilng: 90"), 2, "ceilng", "unknown field (did you mean ceiling?)"},
		{"unknown waypoint key", edit("alt: 40}", "alt: 40, pitch: 3}"), 13, "routes[0].waypoints[0].pitch", "unknown field"},
		{"geofence missing", "site: quay\n", 1, "geofence", "is required"},
		{"geofence too few points", edit("  - [22.5450, 114.0560]\n  - [22.5400, 114.0560]\n", ""), 2, "geofence", "has 2 points: a polygon needs at least 3"},
		{"point not a pair", edit("[22.5450, 114.0500]", "[22.5450]"), 4, "geofence[1]", "expected a list of 2, found 1 items"},
		{"latitude", edit("[22.5450, 114.0500]", "[122.5, 114.05]"), 4, "geofence[1]", "latitude 122.5 is not between -90 and 90"},
		{"self-crossing geofence", edit("  - [22.5450, 114.0560]\n  - [22.5400, 114.0560]\n", "  - [22.5400, 114.0560]\n  - [22.5450, 114.0560]\n"),
			4, "geofence[1]", "the edge from geofence[1] to the next point meets the edge from geofence[3] at 22.54250, 114.05300: the polygon must not cross itself"},
		{"repeated point", edit("  - [22.5400, 114.0560]\n", "  - [22.5400, 114.0560]\n  - [22.5400, 114.0560]\n"), 7, "geofence[4]", "repeats geofence[3]"},
		{"collinear polygon", edit("[[22.5420, 114.0520], [22.5430, 114.0520], [22.5430, 114.0530]]", "[[22.5420, 114.0520], [22.5430, 114.0520], [22.5425, 114.0520]]"),
			9, "no_fly[0].polygon[0]", "must not cross itself"},
		{"no-fly name missing", edit("  - name: tank farm\n    polygon", "  - polygon"), 8, "no_fly[0].name", "is required"},
		{"no-fly name duplicate", edit("routes:", "  - {name: tank farm, polygon: [[1, 1], [1, 2], [2, 2]]}\nroutes:"), 10, "no_fly[1].name", `"tank farm" is already the name of no_fly[0]`},
		{"ceiling above 120", base + "ceiling: 150\n", 14, "ceiling", "150 is not in (0, 120]"},
		{"ceiling zero", base + "ceiling: 0\n", 14, "ceiling", "0 is not in (0, 120]"},
		{"reserve", base + "battery_reserve: 95\n", 14, "battery_reserve", "95 is not a percent between 0 and 90"},
		{"reserve not a number", base + "battery_reserve: lots\n", 14, "battery_reserve", `"lots" is not an integer`},
		{"auto_dispatch", base + "auto_dispatch: yes please\n", 14, "auto_dispatch", "is not true or false"},
		{"verify altitude", base + "verify: {altitude: 130}\n", 14, "verify.altitude", "130 is not in (0, 120]"},
		{"verify standoff", base + "verify:\n  standoff: 5\n", 15, "verify.standoff", "5 is not between 10 and 2000 metres"},
		{"route name missing", edit("  - name: quay-walk\n    waypoints", "  - waypoints"), 11, "routes[0].name", "is required"},
		{"route name invalid", edit("name: quay-walk", "name: Quay Walk"), 11, "routes[0].name", `"Quay Walk" is not a valid route name`},
		{"route name duplicate", base + "  - {name: quay-walk, waypoints: [{lat: 22.541, lon: 114.051, alt: 30}]}\n", 14, "routes[1].name", `"quay-walk" is already the name of routes[0]`},
		{"no waypoints", edit("    waypoints:\n      - {lat: 22.5410, lon: 114.0510, alt: 40}\n", "    waypoints: []\n"), 12, "routes[0].waypoints", "at least one waypoint"},
		{"waypoint without lon", edit("lon: 114.0510, ", ""), 13, "routes[0].waypoints[0]", "needs lat and lon"},
		{"waypoint lon", edit("lon: 114.0510", "lon: 214"), 13, "routes[0].waypoints[0].lon", "longitude 214 is not between -180 and 180"},
		{"alt missing", edit(", alt: 40", ""), 13, "routes[0].waypoints[0].alt", "is required: metres above the take-off point"},
		{"alt above 120", edit("alt: 40", "alt: 121"), 13, "routes[0].waypoints[0].alt", "121 is not in (0, 120]"},
		{"alt negative", edit("alt: 40", "alt: -5"), 13, "routes[0].waypoints[0].alt", "-5 is not in (0, 120]"},
		{"speed", edit("alt: 40", "alt: 40, speed: 30"), 13, "routes[0].waypoints[0].speed", "30 is not in (0, 25] m/s"},
		{"speed zero", edit("alt: 40", "alt: 40, speed: 0"), 13, "routes[0].waypoints[0].speed", "0 is not in (0, 25] m/s"},
		{"hover", edit("alt: 40", "alt: 40, hover: -1"), 13, "routes[0].waypoints[0].hover", "-1 is not between 0 and 3600 seconds"},
		{"gimbal pitch", edit("alt: 40", "alt: 40, gimbal_pitch: -100"), 13, "routes[0].waypoints[0].gimbal_pitch", "-100 is not between -90 (straight down) and 30 degrees"},
		{"rtl", edit("    waypoints:", "    rtl: sometimes\n    waypoints:"), 12, "routes[0].rtl", "is not true or false"},
		{"second document", base + "---\nsite: other\n", 14, "", "write one site's airspace per file"},
		{"not a mapping", "- site: quay\n", 1, "", "the document must be a mapping with site, geofence and routes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("quay.yaml", []byte(tc.yaml))
			if s != nil {
				t.Error("a site came back with the error")
			}
			wantProblem(t, err, tc.line, tc.field, tc.msg)
		})
	}
}

// Every problem of a file comes back at once.
func TestParseAllProblemsAtOnce(t *testing.T) {
	doc := edit("site: quay", "site: Quay") + "ceiling: 200\n"
	doc = strings.Replace(doc, "alt: 40", "alt: 400, gimbal_pitch: 45", 1)
	_, err := Parse("quay.yaml", []byte(doc))
	wantProblem(t, err, 1, "site", "is not a valid site id")
	wantProblem(t, err, 13, "routes[0].waypoints[0].alt", "400 is not in (0, 120]")
	wantProblem(t, err, 13, "routes[0].waypoints[0].gimbal_pitch", "45 is not between")
	wantProblem(t, err, 14, "ceiling", "200 is not in (0, 120]")
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("quay.yaml", base)
	write("notes.txt", "not a site")
	sites, err := LoadDir(dir)
	if err != nil || len(sites) != 1 || sites["quay"].File != filepath.Join(dir, "quay.yaml") {
		t.Fatalf("LoadDir = %v, %v", sites, err)
	}
	write("pier.yaml", base)
	write("dock.yml", edit("site: quay", "site: dock")+"ceiling: -1\n")
	_, err = LoadDir(dir)
	if err == nil {
		t.Fatal("a site in the wrong file and a bad ceiling were accepted")
	}
	for _, want := range []string{
		filepath.Join(dir, "pier.yaml") + `:1: site: "quay" does not match the file name: pier.yaml holds site pier`,
		filepath.Join(dir, "dock.yml") + ":14: ceiling: -1 is not in (0, 120]",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "airspace: load") {
		t.Errorf("missing dir: %v", err)
	}
}

func wantProblem(t *testing.T, err error, line int, field, msg string) {
	t.Helper()
	var e *strict.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *strict.Error", err, err)
	}
	for _, p := range e.Problems {
		if p.Line == line && p.Field == field && strings.Contains(p.Msg, msg) {
			return
		}
	}
	t.Errorf("want quay.yaml:%d: %s: %s, got\n%v", line, field, msg, err)
}

// A site's size is bounded: the checks compare every leg with every edge.
func TestParseBounds(t *testing.T) {
	var zones, points strings.Builder
	for i := range maxZones + 1 {
		fmt.Fprintf(&zones, "  - {name: z%d, polygon: [[1, 1], [1, 2], [2, 2]]}\n", i)
	}
	for i := range maxVertices + 1 {
		a := 2 * math.Pi * float64(i) / float64(maxVertices+1)
		fmt.Fprintf(&points, "  - [%f, %f]\n", 22.54+0.01*math.Sin(a), 114.05+0.01*math.Cos(a))
	}
	_, err := Parse("quay.yaml", []byte(strings.Replace(base, "no_fly:\n", "no_fly:\n"+zones.String(), 1)))
	wantProblem(t, err, 7, "no_fly", "has 102 zones: at most 100")
	doc := "site: quay\ngeofence:\n" + points.String()
	_, err = Parse("quay.yaml", []byte(doc))
	wantProblem(t, err, 2, "geofence", "has 501 points: at most 500")
}
