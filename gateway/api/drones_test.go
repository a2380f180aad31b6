package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/peers/droneedge"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/patrol"
	"github.com/argus-edge/argus/gateway/store"
)

// Real in the drone tests, beside the harness's: gateway/patrol on the
// harness's mosquitto, its commands through gateway/directory, the
// airspace's checks. SIMULATED: the edge holding the drones
// (droneedge.Edge answers commands and reports progress; no MAVLink,
// no vehicle).

// droneEnv is the harness with the drones' service and a simulated edge
// holding river-1 (riverside) and hill-1 (hillside).
type droneEnv struct {
	*env
	svc  *patrol.Service
	edge *droneedge.Edge
}

func newDroneEnv(t *testing.T) *droneEnv {
	t.Helper()
	e := newEnv(t)
	dir := directory.New(directory.Options{Broker: e.mqtt, ClientID: "dir-drones", Log: peers.TestLog(t)})
	peers.Serve(t, dir.Run, dir.Ready())
	cat := e.api.opts.Cameras
	svc, err := patrol.New(patrol.Options{Broker: e.mqtt, Sites: map[string]*airspace.Site{"riverside": droneedge.Site("riverside", false), "hillside": droneedge.Site("hillside", false)},
		Commands: dir, Audit: e.st, Log: peers.TestLog(t), CommandTimeout: 5 * time.Second,
		Cameras: func(site string) []patrol.PlanCamera {
			items, _, _ := cat.Cameras(CameraQuery{Site: site})
			var out []patrol.PlanCamera
			for _, c := range items {
				out = append(out, patrol.PlanCamera{ID: c.Camera})
			}
			return out
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.api.opts.Drones = svc // before any request: the harness's server is idle
	t.Cleanup(svc.Subscribe(e.api.PublishDrone))
	peers.Serve(t, svc.Run, svc.Ready())
	d := &droneEnv{env: e, svc: svc, edge: droneedge.New(t, e.mqtt, "edge-a")}
	d.put(droneedge.Idle("river-1", "riverside"))
	d.put(droneedge.Idle("hill-1", "hillside"))
	return d
}

// put publishes a drone's telemetry and waits until the service has it.
func (d *droneEnv) put(tel bus.DroneTelemetry) {
	d.t.Helper()
	d.edge.Telemetry(tel)
	peers.Await(d.t, 10*time.Second, "drone "+tel.Drone+"'s telemetry seen", func() bool {
		v, ok := d.svc.Drone(tel.Drone)
		return ok && v.State == tel.State && v.Link == tel.Link && v.Battery == tel.Battery.Percent && v.GPSFix == tel.GPSFix
	})
}

// command awaits the next command the edge received.
func (d *droneEnv) command() bus.Command { return d.edge.Next() }

// refusal is the body of a refused launch.
type refusal struct {
	Error  string
	Checks []patrol.Check
}

// Listings and details keep to the caller's sites; another site's drone is 404.
func TestDronesScoped(t *testing.T) {
	d := newDroneEnv(t)
	river := d.login("river-pilot")
	resp, body := d.do("GET", "/api/drones", river, nil)
	var list struct{ Items []patrol.View }
	json.Unmarshal(body, &list)
	if resp.StatusCode != 200 || len(list.Items) != 1 || list.Items[0].ID != "river-1" || list.Items[0].Edge != "edge-a" ||
		!slices.Equal(list.Items[0].Routes, []string{"ridge", "across-plant", "beyond-fence"}) || list.Items[0].Position == nil {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp, body = d.do("GET", "/api/drones", d.login("chief"), nil)
	json.Unmarshal(body, &list)
	if len(list.Items) != 2 {
		t.Fatalf("chief sees %s", body)
	}
	resp, body = d.do("GET", "/api/drones/river-1", river, nil)
	var one struct {
		patrol.View
		Airspace patrol.Plan
	}
	json.Unmarshal(body, &one)
	a := one.Airspace
	if resp.StatusCode != 200 || one.ID != "river-1" || !a.Configured || len(a.Geofence) != 4 || len(a.NoFly) != 1 ||
		a.NoFly[0].Name != "chemical-plant" || len(a.Routes) != 3 || len(a.Routes[0].Waypoints) != 3 ||
		len(a.Cameras) != 2 || a.Cameras[0].ID != "river-bank" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/drones/hill-1", "/api/drones/nobody"} {
		if resp, body := d.do("GET", path, river, nil); resp.StatusCode != 404 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := d.do("POST", "/api/drones/hill-1/patrols", river, map[string]string{"route": "ridge"}); resp.StatusCode != 404 {
		t.Fatalf("launching another site's drone: %d", resp.StatusCode)
	}
	if a := d.lastAudit(); a.Action != "patrol.launch" || a.Object != "hill-1" || a.Status != 404 || !strings.Contains(a.Detail, "outside") {
		t.Fatalf("audit %+v", a)
	}
}

// A pilot launches, sees the dry run pass, and aborts; each is audited
// with who, which drone, which route and the outcome.
func TestLaunchAndAbortAudited(t *testing.T) {
	d := newDroneEnv(t)
	pilot := d.login("river-pilot")
	resp, body := d.do("POST", "/api/drones/river-1/preflight", pilot, map[string]string{"route": "ridge"})
	var dry struct{ Checks []patrol.Check }
	json.Unmarshal(body, &dry)
	if resp.StatusCode != 200 || len(dry.Checks) < 2 || dry.Checks[0].Name != "permission" || !dry.Checks[0].OK {
		t.Fatalf("preflight %d %s", resp.StatusCode, body)
	}
	resp, body = d.do("POST", "/api/drones/river-1/patrols", pilot, map[string]string{"route": "ridge"})
	var out struct {
		Patrol string
		Checks []patrol.Check
	}
	json.Unmarshal(body, &out)
	if resp.StatusCode != 202 || out.Patrol == "" || len(out.Checks) != len(dry.Checks) {
		t.Fatalf("launch %d %s", resp.StatusCode, body)
	}
	if c := d.command(); c.Action != bus.ActionPatrolLaunch || c.Patrol.ID != out.Patrol || c.Patrol.By != "river-pilot" {
		t.Fatalf("command %+v", c)
	}
	a := d.lastAudit()
	if a.Who != "river-pilot" || a.Action != "patrol.launch" || a.Object != "river-1" || a.Site != "riverside" || a.Status != 202 ||
		a.Detail != fmt.Sprintf("route ridge: patrol %s launched", out.Patrol) {
		t.Fatalf("audit %+v", a)
	}
	// A commander may abort (verify), not launch.
	cmd := d.login("river-cmd")
	if resp, _ := d.do("POST", "/api/drones/river-1/patrols", cmd, map[string]string{"route": "ridge"}); resp.StatusCode != 403 {
		t.Fatalf("a commander's launch: %d", resp.StatusCode)
	}
	if resp, _ := d.do("DELETE", "/api/drones/river-1/patrols/current", d.login("river-op"), nil); resp.StatusCode != 403 {
		t.Fatalf("an operator's abort: %d", resp.StatusCode)
	}
	resp, body = d.do("DELETE", "/api/drones/river-1/patrols/current", cmd, nil)
	if resp.StatusCode != 202 || !strings.Contains(string(body), out.Patrol) {
		t.Fatalf("abort %d %s", resp.StatusCode, body)
	}
	if c := d.command(); c.Action != bus.ActionPatrolAbort || c.Drone != "river-1" {
		t.Fatalf("command %+v", c)
	}
	a = d.lastAudit()
	if a.Who != "river-cmd" || a.Action != "patrol.abort" || a.Object != "river-1" || a.Status != 202 ||
		a.Detail != fmt.Sprintf("patrol %s (route ridge) aborted", out.Patrol) {
		t.Fatalf("audit %+v", a)
	}
}

// Each refusal has its status, its failed check with the reason, and an
// audit entry saying why.
func TestLaunchRefusals(t *testing.T) {
	d := newDroneEnv(t)
	pilot := d.login("river-pilot")
	for _, tc := range []struct {
		name   string
		tel    func(*bus.DroneTelemetry)
		route  string
		status int
		check  string
		reason string
	}{
		{"link lost", func(t *bus.DroneTelemetry) { t.Link, t.State = bus.LinkLost, bus.DroneOffline }, "ridge", 409, "link", ""},
		{"no gps fix", func(t *bus.DroneTelemetry) { t.GPSFix = false }, "ridge", 409, "gps", ""},
		{"busy", func(t *bus.DroneTelemetry) { t.State, t.Armed = bus.DronePatrol, true }, "ridge", 409, "idle", ""},
		{"battery", func(t *bus.DroneTelemetry) { t.Battery.Percent = 27 }, "ridge", 422, "battery", ""},
		{"geofence", nil, "beyond-fence", 422, "geofence", ""},
		{"no-fly between two legal waypoints", nil, "across-plant", 422, "no_fly", "chemical-plant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel := droneedge.Idle("river-1", "riverside")
			if tc.tel != nil {
				tc.tel(&tel)
			}
			d.put(tel)
			resp, body := d.do("POST", "/api/drones/river-1/patrols", pilot, map[string]string{"route": tc.route})
			var r refusal
			json.Unmarshal(body, &r)
			i := slices.IndexFunc(r.Checks, func(c patrol.Check) bool { return c.Name == tc.check && !c.OK })
			if resp.StatusCode != tc.status || i < 0 || !strings.Contains(r.Checks[i].Reason, tc.reason) || r.Error == "" {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if a := d.lastAudit(); a.Action != "patrol.launch" || a.Status != tc.status ||
				!strings.HasPrefix(a.Detail, "route "+tc.route+": refused: ") || !strings.Contains(a.Detail, r.Checks[i].Reason) {
				t.Fatalf("audit %+v", a)
			}
		})
	}
	d.put(droneedge.Idle("river-1", "riverside"))
	for _, tc := range []struct {
		path   string
		body   any
		status int
	}{
		{"/api/drones/river-1/patrols", map[string]string{"route": "nowhere"}, 404},
		{"/api/drones/nobody/patrols", map[string]string{"route": "ridge"}, 404},
		{"/api/drones/river-1/patrols", map[string]string{}, 400},
		{"/api/drones/river-1/preflight", map[string]string{"route": "nowhere"}, 404},
	} {
		if resp, body := d.do("POST", tc.path, pilot, tc.body); resp.StatusCode != tc.status {
			t.Fatalf("%s %v: %d %s", tc.path, tc.body, resp.StatusCode, body)
		}
	}
	select {
	case c := <-d.edge.Commands():
		t.Fatalf("a refused launch reached the edge: %+v", c)
	default:
	}
}

// A commander sends a drone to look at a fire with a location; other
// kinds are 422, roles without verify 403.
func TestVerifyAnomaly(t *testing.T) {
	d := newDroneEnv(t)
	for _, a := range []bus.Anomaly{
		{ID: "a-fire", Site: "riverside", Camera: "river-gate", Kind: "fire", Geo: &bus.Geo{Lat: 22.307, Lon: 114.173, Alt: 90}},
		{ID: "a-nogeo", Site: "riverside", Camera: "river-gate", Kind: "smoke"},
	} {
		a.Seq, a.Edge, a.State, a.Severity, a.FrameTime, a.PublishedAt = 2, "edge-a", bus.StateStart, "critical", bus.Now(), bus.Now()
		if _, _, _, err := d.st.PutAnomaly(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	if resp, _ := d.do("POST", "/api/anomalies/a-fire/verify", d.login("river-op"), nil); resp.StatusCode != 403 {
		t.Fatalf("an operator: %d", resp.StatusCode)
	}
	cmd := d.login("river-cmd")
	for _, id := range []string{"a-nogeo", "a-river"} { // no location; a person
		if resp, body := d.do("POST", "/api/anomalies/"+id+"/verify", cmd, nil); resp.StatusCode != 422 {
			t.Fatalf("%s: %d %s", id, resp.StatusCode, body)
		}
	}
	if resp, _ := d.do("POST", "/api/anomalies/a-hill/verify", cmd, nil); resp.StatusCode != 404 {
		t.Fatalf("another site's anomaly: %d", resp.StatusCode)
	}
	resp, body := d.do("POST", "/api/anomalies/a-fire/verify", cmd, nil)
	var out struct{ Drone, Patrol, Route string }
	json.Unmarshal(body, &out)
	if resp.StatusCode != 202 || out.Drone != "river-1" || out.Route != "verify-a-fire" || out.Patrol == "" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if c := d.command(); c.Patrol == nil || c.Patrol.Reason != "verify a-fire" || c.Patrol.Verifies != "a-fire" || c.Patrol.Target == nil {
		t.Fatalf("command %+v", c)
	}
	if a := d.lastAudit(); a.Action != "anomaly.verify" || a.Object != "a-fire" || a.Status != 202 || !strings.Contains(a.Detail, "drone river-1") {
		t.Fatalf("audit %+v", a)
	}
	// The drone's edge files what the drone's video shows in flight
	// under a-fire; the API lists them by verifies, in the caller's scope.
	seen := bus.Anomaly{ID: "a-seen", Seq: 3, Site: "riverside", Camera: "river-1", Edge: "edge-a", Kind: "fire", State: bus.StateStart,
		Severity: "critical", FrameTime: bus.Now(), PublishedAt: bus.Now(), Verifies: "a-fire", Geo: &bus.Geo{Lat: 22.3065, Lon: 114.1725, Alt: 140}}
	if _, _, _, err := d.st.PutAnomaly(context.Background(), seen); err != nil {
		t.Fatal(err)
	}
	var list struct{ Items []store.Anomaly }
	if resp, body := d.do("GET", "/api/anomalies?verifies=a-fire", cmd, nil); resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil ||
		len(list.Items) != 1 || list.Items[0].ID != "a-seen" || list.Items[0].Verifies != "a-fire" {
		t.Fatalf("anomalies verifying a-fire: %d %s", resp.StatusCode, body)
	}
	if resp, body := d.do("GET", "/api/anomalies?verifies=a-fire", d.login("hill-cmd"), nil); resp.StatusCode != 200 || strings.Contains(string(body), "a-seen") {
		t.Fatalf("another site's commander sees the riverside drone's anomaly: %d %s", resp.StatusCode, body)
	}
}

// Telemetry, progress and dispatches reach the event stream of the
// drone's site only.
func TestDroneEvents(t *testing.T) {
	d := newDroneEnv(t)
	d.edge.Step = 20 * time.Millisecond
	river, hill := d.stream(d.login("river-pilot")), d.stream(d.login("hill-cmd"))
	for _, ch := range []<-chan sse{river, hill} {
		if ev, _ := next(t, ch); ev.name != "hello" {
			t.Fatalf("first event %+v", ev)
		}
	}
	tel := droneedge.Idle("hill-1", "hillside")
	tel.Battery.Percent, tel.Mode = 88, "STABILIZE" // a change: sent at once, to hill only
	d.put(tel)
	tel = droneedge.Idle("river-1", "riverside")
	tel.Mode = "GUIDED" // a change: sent at once
	d.put(tel)
	ev, _ := next(t, river)
	var v patrol.View
	json.Unmarshal([]byte(ev.data), &v)
	if ev.name != "drone" || v.ID != "river-1" || v.Mode != "GUIDED" || v.Position == nil || v.Position.Heading != 90 {
		t.Fatalf("river's first drone event %+v", ev)
	}
	ev, _ = next(t, hill)
	if ev.name != "drone" || !strings.Contains(ev.data, `"id":"hill-1"`) || !strings.Contains(ev.data, `"battery":88`) {
		t.Fatalf("hill's first drone event %+v", ev)
	}
	resp, body := d.do("POST", "/api/drones/river-1/patrols", d.login("river-pilot"), map[string]string{"route": "ridge"})
	if resp.StatusCode != 202 {
		t.Fatalf("launch %d %s", resp.StatusCode, body)
	}
	var states []string
	for !slices.Contains(states, "completed") {
		ev, ok := next(t, river)
		if !ok {
			t.Fatal("stream ended")
		}
		if ev.name != "patrol" {
			continue
		}
		var p bus.PatrolProgress
		json.Unmarshal([]byte(ev.data), &p)
		states = append(states, p.State)
	}
	want := []string{"accepted", "uploading", "started", "waypoint", "waypoint", "waypoint", "returning", "landed", "completed"}
	if !slices.Equal(states, want) {
		t.Fatalf("progress %v", states)
	}
}

// The drones' permission matrix: each role × get, pre-flight, launch and
// abort × its own site's drone (river-1) and another's (hill-1). Another
// site's drone is 404 like an unknown one; launching needs fly (pilots and
// admins), aborting fly or verify; each answer is audited with its reason.
func TestDronePermissionMatrix(t *testing.T) {
	calls := []struct{ name, method, path string }{
		{"get", "GET", "/api/drones/%s"},
		{"preflight", "POST", "/api/drones/%s/preflight"},
		{"launch", "POST", "/api/drones/%s/patrols"},
		{"abort", "DELETE", "/api/drones/%s/patrols/current"},
	}
	want := map[string][][2]int{ // per call: own, other
		"river-cmd":   {{200, 404}, {200, 404}, {403, 403}, {202, 404}},
		"river-pilot": {{200, 404}, {200, 404}, {202, 404}, {202, 404}},
		"river-op":    {{200, 404}, {200, 404}, {403, 403}, {403, 403}},
		"river-admin": {{200, 404}, {200, 404}, {202, 404}, {202, 404}},
		"chief":       {{200, 200}, {200, 200}, {403, 403}, {202, 202}},
	}
	for user, statuses := range want {
		t.Run(user, func(t *testing.T) {
			d := newDroneEnv(t)
			token := d.login(user)
			for i, c := range calls {
				for j, drone := range []string{"river-1", "hill-1"} {
					var body any
					if c.method == "POST" {
						body = map[string]string{"route": "ridge"}
					}
					resp, b := d.do(c.method, fmt.Sprintf(c.path, drone), token, body)
					if resp.StatusCode != statuses[i][j] {
						t.Fatalf("%s %s: %d %s, want %d", c.name, drone, resp.StatusCode, b, statuses[i][j])
					}
					a := d.lastAudit()
					if a.Who != user || a.Object != drone || a.Status != resp.StatusCode || resp.StatusCode >= 400 && a.Detail == "" {
						t.Fatalf("%s %s: audit %+v", c.name, drone, a)
					}
				}
			}
		})
	}
}
