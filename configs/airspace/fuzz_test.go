package airspace

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/argus-edge/argus/configs/strict"
)

// FuzzParse checks that no input makes Parse panic, that what it refuses
// is a *strict.Error with problems, that what it accepts keeps the
// document's promises, and that the checks run on it without panicking.
func FuzzParse(f *testing.F) {
	for _, seed := range demoSeeds(f) {
		f.Add(seed)
	}
	f.Add([]byte(base))
	f.Add([]byte(`{"site": "s", "geofence": [[0, 0], [0, 1], [1, 1]], "routes": [{"name": "r", "waypoints": [{"lat": 0.5, "lon": 0.8, "alt": 10}]}]}`))
	f.Add([]byte("site: s\ngeofence: &g [[0, 0], [0, 1], [1, 1]]\nno_fly: [{name: a, polygon: *g}]\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err != nil {
			var pe *strict.Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error %v (%T) is not a *strict.Error with problems", err, err)
			}
			if s != nil {
				t.Fatal("site returned with an error")
			}
			return
		}
		if len(s.Geofence) < 3 || !(s.Ceiling > 0 && s.Ceiling <= MaxCeiling) {
			t.Fatalf("accepted site %+v", s)
		}
		home := s.Geofence[0]
		d := Drone{Home: home, MaxSpeed: 10, Endurance: time.Minute, LinkUp: true, GPSFix: true, Idle: true, Battery: 100}
		for _, r := range s.Routes {
			if len(r.Waypoints) == 0 {
				t.Fatalf("route %s accepted without waypoints", r.Name)
			}
			if len(Preflight(s, r, d)) != 7 {
				t.Fatal("Preflight skipped a check")
			}
		}
		if r, err := VerifyRoute(s, home, s.Geofence[1], time.Second); err == nil && len(r.Waypoints) != 1 {
			t.Fatalf("verify route %+v", r)
		}
	})
}

// FuzzGeometry checks that the geometry never panics and answers the same
// whichever way a segment is given: a leg flown one way crosses a zone or
// leaves the fence exactly when it does flown back.
func FuzzGeometry(f *testing.F) {
	f.Add(100.0, 500.0, 500.0, 500.0, 0.0, 10.0, 10.0, 0.0)
	f.Add(200.0, 500.0, 200.0, 300.0, 5.0, 0.0, 15.0, 0.0)
	f.Add(450.0, 370.0, 590.0, 230.0, 520.0, 300.0, 580.0, 400.0)
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
	f.Add(1e300, -1e300, math.NaN(), 1.0, math.Inf(1), 2.0, 3.0, 4.0)
	u := []vec{{0, 0}, {600, 0}, {600, 600}, {400, 600}, {400, 200}, {200, 200}, {200, 600}, {0, 600}}
	f.Fuzz(func(t *testing.T, ax, ay, bx, by, cx, cy, dx, dy float64) {
		a, b, c, d := vec{ax, ay}, vec{bx, by}, vec{cx, cy}, vec{dx, dy}
		meet := segmentsMeet(a, b, c, d)
		if segmentsMeet(b, a, c, d) != meet || segmentsMeet(c, d, a, b) != meet || segmentsMeet(d, c, b, a) != meet {
			t.Fatal("segmentsMeet depends on the order")
		}
		tri := []vec{c, d, {cx + dy - cy, cy + cx - dx}}
		for _, poly := range [][]vec{u, tri} {
			_, out := leaves(poly, a, b)
			if _, back := leaves(poly, b, a); back != out {
				t.Fatalf("leaves(%v→%v) = %v, backwards %v", a, b, out, back)
			}
			at, in := enters(poly, a, b)
			if _, back := enters(poly, b, a); back != in {
				t.Fatalf("enters(%v→%v) = %v, backwards %v", a, b, in, back)
			}
			if in && finiteVec(a, b) && !onSegment(at, a, b) && dist(a, b) < 1e6 {
				t.Fatalf("enters at %v, not on %v→%v", at, a, b)
			}
			selfCrossing(poly)
			area(poly)
		}
	})
}

func finiteVec(vs ...vec) bool {
	for _, v := range vs {
		if !finite(v.x, v.y) {
			return false
		}
	}
	return true
}

// demoSeeds cuts each demo site into one small document per route, without
// comments: when a mutation finds new coverage the fuzzer minimizes it,
// and minimizing a whole commented file takes most of a short fuzz run.
func demoSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob("../sites/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no demo sites: %v", err)
	}
	var seeds [][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			f.Fatal(err)
		}
		dropComments(&doc)
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value != "routes" {
				continue
			}
			routes := root.Content[i+1]
			all := routes.Content
			for _, r := range all {
				routes.Content = []*yaml.Node{r}
				out, err := yaml.Marshal(&doc)
				if err != nil {
					f.Fatal(err)
				}
				seeds = append(seeds, out)
			}
			routes.Content = all
		}
	}
	return seeds
}

func dropComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		dropComments(c)
	}
}
