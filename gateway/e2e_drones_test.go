package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/peers/droneedge"
	"github.com/argus-edge/argus/gateway/store"
)

// droneUsers are a hillside pilot and commander, a riverside commander
// and an admin; passwords "<name> password".
func droneUsers() string {
	out := "users:\n"
	for _, u := range []struct{ name, role, site string }{{"hill-pilot", "pilot", "hillside"}, {"hill-cmd", "commander", "hillside"},
		{"river-cmd", "commander", "riverside"}, {"root", "admin", `"*"`}} {
		h, _ := bcrypt.GenerateFromPassword([]byte(u.name+" password"), bcrypt.MinCost)
		out += "  - {name: " + u.name + ", role: " + u.role + ", sites: [" + u.site + "], password_hash: \"" + string(h) + "\"}\n"
	}
	return out
}

// startDrones runs the gateway with the demo's airspaces (configs/sites)
// and a SIMULATED edge (droneedge.Edge: no MAVLink, no vehicle) holding
// drone-hillside, standing at its demo home, every check passing.
func startDrones(t *testing.T, step time.Duration) (httpURL, mqttURL string, edge *droneedge.Edge) {
	t.Helper()
	httpURL, mqttURL, log := startGatewayArgs(t, []string{"-airspace", "../configs/sites"}, droneUsers())
	if !log.Await(`"following drones"`, 10*time.Second) {
		t.Fatalf("the drones' service did not subscribe:\n%s", log)
	}
	edge = droneedge.New(t, mqttURL, "edge-hill")
	edge.Step = step
	edge.Telemetry(bus.DroneTelemetry{Drone: "drone-hillside", Site: "hillside", State: bus.DroneIdle, Link: bus.LinkUp,
		Mode: "LOITER", Battery: bus.DroneBattery{Percent: 100, Voltage: 16.8}, GPSFix: true,
		Position: &bus.DronePos{Lat: 22.5460, Lon: 114.0495, AltMSL: 30, Heading: 0}})
	return httpURL, mqttURL, edge
}

// Real: the gateway's run (embedded broker, store, patrol, API, console
// assets) with configs/sites, and Debian's headless Chromium. SIMULATED:
// the edge and its flight (droneedge.Edge reports the progress of the
// order it got, a step every 300 ms). A pilot opens the Drones view, sees
// the site's plan, checks north-slope (every check passes), launches it,
// sees the progress in order and the drone move, and aborts mid-route.
func TestConsoleDronesLaunchAndAbort(t *testing.T) {
	httpURL, _, edge := startDrones(t, 300*time.Millisecond)
	awaitDrone(t, httpURL, loginAs(t, httpURL, "hill-pilot"), "drone-hillside")
	cam := map[string]any{"id": "hillside-fire", "site": "hillside", "main": "rtsp://127.0.0.1:8554/hillside-fire",
		"location": map[string]float64{"lat": 22.5481, "lon": 114.0462, "alt": 48}}
	if st := call(t, "POST", httpURL+"/api/cameras", loginAs(t, httpURL, "root"), cam, nil); st != 201 {
		t.Fatalf("registering hillside-fire: %d", st)
	}
	ctx := peers.Chromium(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(rctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wait := func(what, js string) {
		t.Helper()
		do(what, chromedp.Poll[chromedp.Void](js))
	}
	card := `[data-testid="drone-card"][data-drone="drone-hillside"]`
	in := func(sel string) string { return "document.querySelector(" + strconv.Quote(card+" "+sel) + ")" }
	do("sign in", chromedp.Navigate(httpURL+"/#/drones"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-user"]`), "hill-pilot"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), "hill-pilot password"),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(card)))
	wait("the plan", in(`[data-testid="plan-nofly"][data-zone="radio mast"]`)+` && `+in(`[data-testid="plan-route"][data-route="north-slope"]`)+
		` && `+in(`[data-testid="plan-geofence"]`)+` && `+in(`[data-testid="drone-arrow"]`)+`.dataset.lat === '22.546'`+
		` && `+in(`[data-testid="plan-camera"][data-camera="hillside-fire"]`))
	if st := peers.Eval[string](t, ctx, in(`[data-testid="drone-state"]`)+`.textContent`); st != "idle" {
		t.Fatalf("state %q", st)
	}

	peers.Eval[bool](t, ctx, `(() => { const s = `+in(`[data-testid="drone-route"]`)+`; s.value = 'north-slope'; s.dispatchEvent(new Event('change')); return true; })()`)
	do("check", chromedp.Click(chromedp.CSS(card+` [data-testid="drone-check"]`)))
	wait("every check passed", in(`[data-testid="drone-check-item"]`)+` && !`+in(`[data-testid="drone-launch"]`)+`.disabled`)
	checks := peers.Eval[[]string](t, ctx, `[...document.querySelectorAll(`+strconv.Quote(card+` [data-testid="drone-check-item"]`)+`)].map((li) => li.dataset.check + '=' + li.dataset.ok)`)
	for _, want := range []string{"permission=true", "geofence=true", "no_fly=true", "battery=true", "link=true", "gps=true", "idle=true"} {
		if !slices.Contains(checks, want) {
			t.Fatalf("checks %v lack %s", checks, want)
		}
	}

	do("launch", chromedp.Click(chromedp.CSS(card+` [data-testid="drone-launch"]`)))
	wait("waypoint 2 of 5", in(`[data-testid="drone-progress-item"]:nth-child(5)`))
	wait("the drone moved off home", in(`[data-testid="drone-arrow"]`)+`.dataset.lat !== '22.546'`)
	if c := <-edge.Commands(); c.Action != bus.ActionPatrolLaunch || c.Patrol.Route != "north-slope" || c.Patrol.By != "hill-pilot" || len(c.Patrol.Points) != 5 {
		t.Fatalf("launch command %+v", c)
	}
	do("abort", chromedp.Click(chromedp.CSS(card+` [data-testid="drone-abort"]`)))
	wait("aborted", in(`[data-testid="drone-progress-item"][data-state="aborted"]`))
	if c := <-edge.Commands(); c.Action != bus.ActionPatrolAbort || c.Drone != "drone-hillside" {
		t.Fatalf("abort command %+v", c)
	}
	got := peers.Eval[[]string](t, ctx, `[...document.querySelectorAll(`+strconv.Quote(card+` [data-testid="drone-progress-item"]`)+`)].map((li) => li.textContent)`)
	// Up to the abort, the normal order; the abort ends it home.
	want := []string{"accepted", "uploading", "started", "waypoint 1/5", "waypoint 2/5"}
	if len(got) < len(want)+3 || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("progress %q", got)
	}
	rest := got[len(want):]
	for i, s := range rest[:len(rest)-3] { // waypoints reached before the abort took effect, in order
		if s != "waypoint "+strconv.Itoa(3+i)+"/5" {
			t.Fatalf("progress %q", got)
		}
	}
	if tail := rest[len(rest)-3:]; !strings.HasPrefix(tail[0], "returning") || tail[1] != "landed" || !strings.HasPrefix(tail[2], "aborted") {
		t.Fatalf("progress %q", got)
	}
	wait("idle again, abort hidden", in(`[data-testid="drone-abort"]`)+`.hidden && `+in(`[data-testid="drone-state"]`)+`.textContent === 'idle'`)
}

// Real: the gateway's run with configs/sites, where hillside has
// auto_dispatch on, its alerts on the embedded broker and its incident
// grouping. SIMULATED: the edges (a paho client publishing fire anomalies
// as the cameras' edge and the drone's verifying anomaly, droneedge.Edge
// holding the drone). A fire start on hillside-fire, with the camera's
// location, sends drone-hillside to look by itself; the commander's event
// stream says so. The same fire seen by hillside-smoke, 200 m away, joins
// its incident and sends no second drone (dispatch is per incident); the
// incident's timeline names the patrol, and the drone's anomaly verifying
// the fire joins the incident.
func TestFireAutoDispatchesTheHillsideDrone(t *testing.T) {
	httpURL, mqttURL, edge := startDrones(t, 0)
	cmdToken := loginAs(t, httpURL, "hill-cmd")
	ev := events(t, httpURL, cmdToken)
	await(t, ev, "hello", `"name":"hill-cmd"`)
	awaitDrone(t, httpURL, loginAs(t, httpURL, "hill-pilot"), "drone-hillside")
	c := peers.MQTTClient(t, mqttURL, "edge-cams")
	a := bus.Anomaly{ID: "fire-1", Seq: 1, Site: "hillside", Camera: "hillside-fire", Edge: "edge-cams", Kind: bus.KindFire,
		State: bus.StateStart, Severity: "critical", Score: 0.9, FrameTime: bus.Now(), PublishedAt: bus.Now(),
		Geo: &bus.Geo{Lat: 22.5481, Lon: 114.0462, Alt: 48}}
	publishAnomaly(t, c, a)
	select {
	case cmd := <-edge.Commands():
		if cmd.Action != bus.ActionPatrolLaunch || cmd.Drone != "drone-hillside" || cmd.Patrol.Route != "verify-fire-1" ||
			cmd.Patrol.By != "auto_dispatch" || cmd.Patrol.Target == nil || cmd.Patrol.Target.Lat != 22.5481 {
			t.Fatalf("command %+v %+v", cmd, cmd.Patrol)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no patrol_launch reached the drone's edge within 15s")
	}
	await(t, ev, "dispatch", `"by":"auto_dispatch"`)

	b := a
	b.ID, b.Camera, b.Geo = "fire-2", "hillside-smoke", &bus.Geo{Lat: 22.5493, Lon: 114.0448, Alt: 61}
	publishAnomaly(t, c, b)
	look := bus.Anomaly{ID: "drone-look-1", Seq: 1, Site: "hillside", Camera: "drone-hillside", Edge: "edge-cams", Kind: bus.KindFire,
		State: bus.StateStart, Severity: "critical", Score: 0.8, FrameTime: bus.Now(), PublishedAt: bus.Now(), Verifies: "fire-1",
		Geo: &bus.Geo{Lat: 22.5485, Lon: 114.0458, Alt: 60}}
	publishAnomaly(t, c, look)
	var inc struct {
		store.Incident
		Members []store.IncidentMember `json:"members"`
	}
	eventually(t, 15*time.Second, "the fire's incident with both cameras, the drone's look and the patrol line", func() (bool, string) {
		var page store.Page[store.Incident]
		call(t, "GET", httpURL+"/api/incidents?site=hillside&kind=fire", cmdToken, nil, &page)
		if len(page.Items) != 1 {
			return false, fmt.Sprintf("%d fire incidents", len(page.Items))
		}
		call(t, "GET", httpURL+"/api/incidents/"+page.Items[0].ID, cmdToken, nil, &inc)
		patrols := 0
		for _, en := range inc.Timeline {
			if en.What == "patrol" && strings.Contains(en.Text, "drone drone-hillside flies patrol") {
				patrols++
			}
		}
		return inc.Count == 3 && patrols == 1, fmt.Sprintf("count %d, %d patrol lines, timeline %+v", inc.Count, patrols, inc.Timeline)
	})
	// The second camera's fire was grouped (and its dispatch decided)
	// before the drone's anomaly: a second launch would be on its way.
	// Absence takes a window: 2 s, far beyond the first launch's delay.
	select {
	case cmd := <-edge.Commands():
		t.Fatalf("a second command for the same fire incident: %+v %+v", cmd, cmd.Patrol)
	case <-time.After(2 * time.Second):
	}
}

// Real: the gateway's run with configs/sites (riverside: auto_dispatch
// off), its alerts, API and console, and headless Chromium. SIMULATED: the
// edges (a paho client publishing a smoke anomaly with the camera's
// location, then the drone's anomaly filed under it; droneedge.Edge
// holding drone-riverside and reporting its flight). The riverside
// commander's alert offers "Send a drone"; the click sends
// drone-riverside on verify-<id>, its order naming the anomaly; what the
// drone's video shows is listed under the camera's alert; the Drones view
// then shows the commander the red Abort, which brings it home.
func TestConsoleSendADrone(t *testing.T) {
	httpURL, mqttURL, edge := startDrones(t, 400*time.Millisecond)
	edge.Telemetry(bus.DroneTelemetry{Drone: "drone-riverside", Site: "riverside", State: bus.DroneIdle, Link: bus.LinkUp,
		Mode: "LOITER", Battery: bus.DroneBattery{Percent: 95, Voltage: 16.5}, GPSFix: true,
		Position: &bus.DronePos{Lat: 22.5410, Lon: 114.0505, AltMSL: 4}})
	awaitDrone(t, httpURL, loginAs(t, httpURL, "river-cmd"), "drone-riverside")
	c := peers.MQTTClient(t, mqttURL, "edge-cams")
	a := bus.Anomaly{ID: "smoke-1", Seq: 1, Site: "riverside", Camera: "riverside-walk", Edge: "edge-cams", Kind: bus.KindSmoke,
		State: bus.StateStart, Severity: "high", Score: 0.8, FrameTime: bus.Now(), PublishedAt: bus.Now(),
		Geo: &bus.Geo{Lat: 22.5412, Lon: 114.0521, Alt: 6}}
	publishAnomaly(t, c, a)
	ctx := peers.Chromium(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(rctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	alert := `[data-testid="alert"][data-id="smoke-1"] [data-testid="alert-verify"]`
	do("sign in and send a drone", chromedp.Navigate(httpURL+"/#/alerts"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-user"]`), "river-cmd"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), "river-cmd password"),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(alert)),
		chromedp.Click(chromedp.CSS(alert)))
	select {
	case cmd := <-edge.Commands():
		if cmd.Action != bus.ActionPatrolLaunch || cmd.Drone != "drone-riverside" || cmd.Patrol.Route != "verify-smoke-1" || cmd.Patrol.By != "river-cmd" ||
			cmd.Patrol.Verifies != "smoke-1" {
			t.Fatalf("command %+v %+v", cmd, cmd.Patrol)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no patrol_launch within 15s")
	}
	do("the toast names the drone", chromedp.Poll[chromedp.Void](`document.getElementById('toast').textContent.includes('drone-riverside is flying verify-smoke-1')`))
	do("the alert says who was sent", chromedp.Poll[chromedp.Void](`(document.querySelector('[data-testid="alert"][data-id="smoke-1"] [data-testid="alert-dispatch"]') || {}).textContent?.startsWith('drone-riverside sent to look by river-cmd')`))
	// What the drone's video shows on the way, as its edge files it
	// (verifies: smoke-1), is listed under the camera's alert, not apart.
	seen := bus.Anomaly{ID: "drone-smoke-1", Seq: 1, Site: "riverside", Camera: "drone-riverside", Edge: "edge-river-drone", Kind: bus.KindSmoke,
		State: bus.StateStart, Severity: "high", Score: 0.7, FrameTime: bus.Now(), PublishedAt: bus.Now(), Verifies: "smoke-1",
		Geo: &bus.Geo{Lat: 22.5411, Lon: 114.0515, Alt: 50}}
	publishAnomaly(t, c, seen)
	do("the drone's anomaly under the camera's alert", chromedp.Poll[chromedp.Void](`(() => {
		const item = document.querySelector('[data-testid="alert"][data-id="smoke-1"] [data-testid="alert-verified-item"][data-id="drone-smoke-1"]');
		return item && item.textContent.startsWith('drone-riverside saw smoke') && !document.querySelector('[data-testid="alert"][data-id="drone-smoke-1"]');
	})()`))
	abort := `[data-testid="drone-card"][data-drone="drone-riverside"] [data-testid="drone-abort"]`
	do("abort from the Drones view", chromedp.Navigate(httpURL+"/#/drones"),
		chromedp.Poll[chromedp.Void](`(() => { const b = document.querySelector(`+strconv.Quote(abort)+`); return b && !b.hidden; })()`),
		chromedp.Click(chromedp.CSS(abort)))
	select {
	case cmd := <-edge.Commands():
		if cmd.Action != bus.ActionPatrolAbort || cmd.Drone != "drone-riverside" {
			t.Fatalf("command %+v", cmd)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no patrol_abort within 15s")
	}
}

// Real: the gateway's run (directory, alerts' wall, patrol, API).
// SIMULATED: the edge (droneedge.Edge flying the patrol in steps of
// 100 ms, and the retained status of the drone's video as its camera). The
// drone's feed is on the wall while its patrol flies, and off when it ends.
func TestPatrolPutsTheDroneFeedOnTheWall(t *testing.T) {
	httpURL, mqttURL, _ := startDrones(t, 100*time.Millisecond)
	c := peers.MQTTClient(t, mqttURL, "edge-hill-cams")
	st, _ := json.Marshal(bus.CameraStatus{Site: "hillside", Camera: "drone-hillside", Edge: "edge-hill", State: bus.Online, Time: bus.Now()})
	if tok := c.Publish(bus.CameraStatusTopic("hillside", "drone-hillside"), 1, true, st); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	cmd := loginAs(t, httpURL, "hill-cmd")
	ev := events(t, httpURL, cmd)
	await(t, ev, "hello", `"name":"hill-cmd"`)
	peers.Await(t, 10*time.Second, "the drone's camera in the directory", func() bool {
		return call(t, "GET", httpURL+"/api/cameras/drone-hillside", cmd, nil, nil) == 200
	})
	var out struct{ Patrol string }
	pilot := loginAs(t, httpURL, "hill-pilot")
	awaitDrone(t, httpURL, pilot, "drone-hillside")
	if st := call(t, "POST", httpURL+"/api/drones/drone-hillside/patrols", pilot, map[string]string{"route": "north-slope"}, &out); st != 202 {
		t.Fatalf("launch: %d", st)
	}
	await(t, ev, "wall", `"reason":"added by patrol `+out.Patrol+`"`)
	// The patrol's end and the wall without the drone, in either order:
	// they reach the stream through listeners of their own.
	completed, cleared := false, false
	timeout := time.After(15 * time.Second)
	for !completed || !cleared {
		select {
		case e := <-ev:
			completed = completed || strings.HasPrefix(e, "patrol ") && strings.Contains(e, `"state":"completed"`)
			cleared = cleared || strings.HasPrefix(e, "wall ") && !strings.Contains(e, "drone-hillside")
		case <-timeout:
			t.Fatalf("15s after the launch: patrol completed %v, the feed off the wall %v", completed, cleared)
		}
	}
}

// publishAnomaly publishes a as its camera's edge does, on its topic.
func publishAnomaly(t *testing.T, c paho.Client, a bus.Anomaly) {
	t.Helper()
	b, _ := json.Marshal(a)
	if tok := c.Publish(bus.AnomalyTopic(a.Site, a.Camera), 1, false, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
}

// awaitDrone waits until the API lists drone for token's user.
func awaitDrone(t *testing.T, httpURL, token, drone string) {
	t.Helper()
	peers.Await(t, 10*time.Second, drone+" listed", func() bool {
		var list struct{ Items []struct{ ID string } }
		call(t, "GET", httpURL+"/api/drones", token, nil, &list)
		for _, d := range list.Items {
			if d.ID == drone {
				return true
			}
		}
		return false
	})
}
