package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// droneWatch is a bus subscriber (as the demo's watcher login) to every
// drone's patrol progress and to drone-hillside's anomalies, from before
// the edge connects, so that an auto_dispatch right at the start is seen.
type droneWatch struct {
	patrols   chan bus.PatrolProgress
	anomalies chan bus.Anomaly
}

// watchDrones subscribes as above on broker (a URL with the login in it).
func watchDrones(t *testing.T, broker string) *droneWatch {
	t.Helper()
	w := &droneWatch{patrols: make(chan bus.PatrolProgress, 4096), anomalies: make(chan bus.Anomaly, 4096)}
	c := peers.MQTTClient(t, broker, "drone-watch")
	sub := func(filter string, f func([]byte) error) {
		tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
			if err := f(m.Payload()); err != nil {
				t.Errorf("%s: %v", m.Topic(), err)
			}
		})
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", filter, tok.Error())
		}
	}
	sub("argus/v1/drones/+/patrols", func(b []byte) error {
		var p bus.PatrolProgress
		err := json.Unmarshal(b, &p)
		w.patrols <- p
		return err
	})
	sub(bus.AnomalyTopic("hillside", "drone-hillside"), func(b []byte) error {
		var a bus.Anomaly
		err := json.Unmarshal(b, &a)
		w.anomalies <- a
		return err
	})
	return w
}

// mustFly checks what issue 12 says the demo shows of its drones: both
// listed to the pilot with their link up and a position; the fire on
// hillside-fire sends drone-hillside by itself (auto_dispatch: its patrol
// accepted, uploading, started, on route verify-hillside-fire.…); its feed
// on the commander's wall; its anomalies placed (geo) inside the hillside
// geofence, out of every no-fly zone, within 50 m of the line from its home
// to the camera (its verify route), and at least one from the air.
func mustFly(t *testing.T, d *demoRun, w *droneWatch, gateway string) {
	t.Helper()
	sites, err := airspace.LoadDir(filepath.Join(repoRoot, "configs", "sites"))
	if err != nil {
		t.Fatal(err)
	}
	hill := sites["hillside"]
	pilot := demoLogin(t, gateway, "pilot", "demo-pilot")
	chief := demoLogin(t, gateway, "chief", "demo-commander")
	poll(t, "both demo drones listed to the pilot, link up, with a position", 30*time.Second, func() (bool, string) {
		var list struct {
			Items []struct {
				ID, State, Link string
				Position        *bus.DronePos
			}
		}
		code, body := apiCall(t, "GET", gateway+"/api/drones", pilot, &list)
		up := 0
		for _, dr := range list.Items {
			if (dr.ID == "drone-hillside" || dr.ID == "drone-riverside") && dr.Link == bus.LinkUp && dr.Position != nil {
				up++
			}
		}
		return code == 200 && up == 2, body
	})

	want := []string{bus.PatrolAccepted, bus.PatrolUploading, bus.PatrolStarted}
	var seen []string
	onWall, airborne := false, false
	wallCheck := time.NewTicker(200 * time.Millisecond) // the wall is polled: its event needs a session stream
	defer wallCheck.Stop()
	guard := time.After(90 * time.Second)
	for len(seen) < len(want) || !onWall || !airborne {
		select {
		case p := <-w.patrols:
			if p.Drone != "drone-hillside" {
				t.Errorf("patrol %s of %s (%s): only drone-hillside is sent by the demo's fire", p.ID, p.Drone, p.State)
				continue
			}
			if !strings.HasPrefix(p.Route, "verify-hillside-fire.") && !strings.HasPrefix(p.Route, "verify-hillside-smoke.") {
				t.Errorf("patrol %s flies %q, want a verify route of a hillside camera's anomaly", p.ID, p.Route)
			}
			if len(seen) < len(want) && p.State == want[len(seen)] {
				seen = append(seen, p.State)
				t.Logf("drone-hillside patrol %s %s (%s)", p.ID, p.State, p.Route)
			}
			if p.State == bus.PatrolRefused || p.State == bus.PatrolFailed {
				t.Fatalf("the dispatched patrol %s: %s", p.State, p.Reason)
			}
		case a := <-w.anomalies:
			if a.Geo == nil {
				if a.State != bus.StateEnd {
					t.Errorf("drone-hillside anomaly %s %s without geo", a.ID, a.State)
				}
				continue
			}
			pt := airspace.Point{Lat: a.Geo.Lat, Lon: a.Geo.Lon}
			if !insidePolygon(hill.Geofence, pt) {
				t.Errorf("drone-hillside anomaly %s placed at %+v, outside the hillside geofence", a.ID, *a.Geo)
			}
			for _, z := range hill.NoFly {
				if insidePolygon(z.Polygon, pt) {
					t.Errorf("drone-hillside anomaly %s placed at %+v, in no-fly zone %s", a.ID, *a.Geo, z.Name)
				}
			}
			// The verify route flies from home towards the camera and holds
			// short of it: every place the drone was lies near that line.
			if d := offLine(droneHome, hillsideFire, *a.Geo); d > 50 {
				t.Errorf("drone-hillside anomaly %s placed at %+v, %.0f m off its route (home to hillside-fire)", a.ID, *a.Geo, d)
			}
			if a.Geo.Alt > 30+20 && !airborne { // home is 30 m above sea level
				airborne = true
				t.Logf("drone-hillside anomaly %s %s placed from the air at %+v", a.Kind, a.State, *a.Geo)
			}
		case <-wallCheck.C:
			if onWall {
				continue
			}
			var wall struct {
				Items []struct{ Camera, Reason string }
			}
			if code, body := apiCall(t, "GET", gateway+"/api/wall", chief, &wall); code != 200 {
				t.Fatalf("GET /api/wall as chief: %d %s", code, body)
			}
			for _, it := range wall.Items {
				if it.Camera == "drone-hillside" {
					onWall = true
					t.Logf("drone-hillside's feed on the wall: %s", it.Reason)
				}
			}
		case line, open := <-d.lines: // keep the demo's output flowing
			if !open {
				t.Fatal("the demo ended while its drones were watched")
			}
			d.keep(line)
		case <-guard:
			t.Fatalf("after 90 s: patrol progress %v (want %v), feed on the wall %v, an anomaly placed from the air %v", seen, want, onWall, airborne)
		}
	}
}

// hillsideFire is the camera hillside-fire's location (configs/demo.yaml).
var hillsideFire = bus.Geo{Lat: 22.5481, Lon: 114.0462}

// offLine is how far p is from the segment a-b, in metres (a local flat
// projection, exact enough over a site).
func offLine(a, b, p bus.Geo) float64 {
	const m = 6371000 * math.Pi / 180
	k := math.Cos(a.Lat * math.Pi / 180)
	bx, by := (b.Lon-a.Lon)*k*m, (b.Lat-a.Lat)*m
	px, py := (p.Lon-a.Lon)*k*m, (p.Lat-a.Lat)*m
	u := max(0, min(1, (px*bx+py*by)/(bx*bx+by*by)))
	return math.Hypot(px-u*bx, py-u*by)
}

// insidePolygon reports whether p is inside poly (ray casting on lat/lon,
// which is exact enough over a site of a kilometre or two).
func insidePolygon(poly airspace.Polygon, p airspace.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) && p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// demoLogin signs user in at the gateway's API and returns the session token.
func demoLogin(t *testing.T, gateway, user, password string) string {
	t.Helper()
	body := fmt.Sprintf(`{"user": %q, "password": %q}`, user, password)
	resp, err := http.Post(gateway+"/api/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Token == "" {
		t.Fatalf("login %s: %d %v", user, resp.StatusCode, err)
	}
	return out.Token
}

// apiCall sends a request with a bearer token (and a JSON body for other
// methods than GET: body is then v's input, and v is not decoded into)
// and returns the status and the answer; a 2xx answer is decoded into v.
func apiCall(t testing.TB, method, u, token string, v any, body ...string) (int, string) {
	t.Helper()
	var in io.Reader
	if len(body) > 0 {
		in = strings.NewReader(body[0])
	}
	req, _ := http.NewRequest(method, u, in)
	req.Header.Set("Authorization", "Bearer "+token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 && v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
	}
	return resp.StatusCode, string(b)
}

// TestDemoDronesAgree: every drone of the demo edge (configs/demo.yaml) is
// a simulated drone of configs/sim-demo.yaml with the same system id and
// home, a UDP client of the edge's UDP server link on the same address
// (the port deploy/demo.sh moves), and its video a path the simulator
// serves; and every simulated drone is held by the edge.
func TestDemoDronesAgree(t *testing.T) {
	edge, err := configs.Load(filepath.Join(repoRoot, "configs", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := sim.LoadFleet(filepath.Join(repoRoot, "configs", "sim-demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	simulated := map[string]sim.FleetDrone{}
	for _, d := range fleet.Drones {
		simulated[d.ID] = d
	}
	if len(edge.Drones) == 0 || len(edge.Drones) != len(simulated) {
		t.Fatalf("the edge holds %d drones, the simulator flies %d", len(edge.Drones), len(simulated))
	}
	for _, d := range edge.Drones {
		s, ok := simulated[d.ID]
		switch {
		case !ok:
			t.Errorf("drone %s: the simulator flies no such drone", d.ID)
		case s.SystemID != d.SystemID:
			t.Errorf("drone %s: system id %d at the edge, %d in the simulator", d.ID, d.SystemID, s.SystemID)
		case d.Home == nil || s.Home.Lat != d.Home.Lat || s.Home.Lon != d.Home.Lon || s.Home.Alt != d.Home.Alt:
			t.Errorf("drone %s: home %+v at the edge, %+v in the simulator", d.ID, d.Home, s.Home)
		case d.Link != "udps://127.0.0.1:14550" || s.Link != "udpc://127.0.0.1:14550":
			t.Errorf("drone %s: link %s at the edge, %s in the simulator: deploy/demo.sh moves udps/udpc://127.0.0.1:14550", d.ID, d.Link, s.Link)
		case d.Video != "rtsp://127.0.0.1:8554/"+s.Path && !(s.Path == "" && d.Video == "rtsp://127.0.0.1:8554/drone-"+d.ID):
			t.Errorf("drone %s: video %s, the simulator serves its feed on path %q", d.ID, d.Video, s.Path)
		}
	}
}
