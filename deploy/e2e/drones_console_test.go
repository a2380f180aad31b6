package e2e

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// droneHome is drone-hillside's home in the demo (configs/demo.yaml).
var droneHome = bus.Geo{Lat: 22.5460, Lon: 114.0495, Alt: 30}

// droneStack is the real gateway (with configs/sites), the real edge
// holding drone-hillside's MAVLink link, and argus-sim flying it.
type droneStack struct {
	gateway string // http://127.0.0.1:port
	gw      *child
	edge    *child
	sim     *child
}

// startDroneStack starts argus-sim with a fleet of one simulated drone,
// drone-hillside (system id 1, at its demo home, its flight clock speedup
// times real time, a UDP client of the edge's link), the gateway (embedded
// broker, store, -airspace configs/sites, the console user pilot with
// password "pilot password") and the edge holding the drone's link
// (udps), and returns once the gateway lists the drone idle with its link
// up. The drone's video is not pulled: this stack is about the flight.
func startDroneStack(t *testing.T, speedup float64) *droneStack {
	t.Helper()
	dir := t.TempDir()
	mavPort, mqttPort, httpPort := udpPort(t), peers.FreePort(t), peers.FreePort(t)
	ds := &droneStack{gateway: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	sites, _ := filepath.Abs(filepath.Join(repoRoot, "configs", "sites"))

	hash, err := bcrypt.GenerateFromPassword([]byte("pilot password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	gwCfg := filepath.Join(dir, "gateway.yaml")
	write(t, gwCfg, fmt.Sprintf(`users:
  - {name: pilot, role: pilot, sites: ["*"], password_hash: %q}
store: {driver: sqlite, path: %q}
bus:
  users:
    - {name: %s, role: edge, edge: %s, sites: ["*"], drones: ["*"], password_env: E2E_EDGE_BUS}
`, hash, filepath.Join(dir, "gateway.db"), edgeID, edgeID))
	ds.gw = start(t, "gateway", gatewayBin, []string{"E2E_EDGE_BUS=" + edgeBusPassword},
		"-mqtt", fmt.Sprintf("127.0.0.1:%d", mqttPort), "-http", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"-webrtc-udp", "127.0.0.1:0", "-nats", "127.0.0.1:0", "-bus-store", filepath.Join(dir, "nats"),
		"-config", gwCfg, "-airspace", sites, "-log-format", "json")
	ds.gw.log.awaitEvents(t, 1, "gateway ready", nil, 30*time.Second)

	fleet := filepath.Join(dir, "fleet.yaml")
	write(t, fleet, fmt.Sprintf(`drones:
  - id: drone-hillside
    system_id: 1
    link: udpc://127.0.0.1:%d
    home: {lat: %g, lon: %g, alt: %g}
    speed: 8
    speedup: %g
    signing_key_env: E2E_MAVLINK_KEY
`, mavPort, droneHome.Lat, droneHome.Lon, droneHome.Alt, speedup))
	ds.sim = start(t, "argus-sim", filepath.Join(filepath.Dir(edgeBin), "argus-sim"), []string{e2eMAVLinkKey},
		"-listen", fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t)), "-udp", "", "-fleet", fleet, "-log-format", "json")

	edgeCfg := filepath.Join(dir, "edge.yaml")
	write(t, edgeCfg, fmt.Sprintf(`edge: {id: %s, http: "127.0.0.1:%d"}
sites: [{id: hillside}]
cameras: []
mqtt: {broker: "tcp://127.0.0.1:%d", username: %s, password_env: E2E_EDGE_BUS, queue_dir: %q}
airspace_dir: %q
mavlink: {signing_key_env: E2E_MAVLINK_KEY}
drones:
  - id: drone-hillside
    site: hillside
    link: udps://127.0.0.1:%d
    system_id: 1
    home: {lat: %g, lon: %g, alt: %g}
    max_speed: 12
    endurance: 25m
`, edgeID, peers.FreePort(t), mqttPort, edgeID, filepath.Join(dir, "queue"), sites, mavPort, droneHome.Lat, droneHome.Lon, droneHome.Alt))
	ds.edge = start(t, "edge", edgeBin, []string{"E2E_EDGE_BUS=" + edgeBusPassword, e2eMAVLinkKey}, "-config", edgeCfg, "-log-format", "json")

	pilot := demoLogin(t, ds.gateway, "pilot", "pilot password")
	poll(t, "drone-hillside idle, link up, at home", 60*time.Second, func() (bool, string) {
		d, body := ds.drone(t, pilot)
		return d.State == bus.DroneIdle && d.Link == bus.LinkUp && d.Position != nil && d.Home != nil, body
	})
	return ds
}

// apiDrone is what the tests read of GET /api/drones/{id}.
type apiDrone struct {
	State, Link string
	Armed       bool
	Position    *bus.DronePos
	Home        *bus.Geo
	Patrol      *bus.PatrolStatus
}

// drone reads drone-hillside from the API as token's user.
func (ds *droneStack) drone(t *testing.T, token string) (apiDrone, string) {
	t.Helper()
	var d apiDrone
	code, body := apiCall(t, "GET", ds.gateway+"/api/drones/drone-hillside", token, &d)
	if code != 200 {
		return apiDrone{}, fmt.Sprintf("%d %s", code, body)
	}
	return d, body
}

// metres is the distance between two points, in metres (equirectangular,
// exact enough over a few kilometres).
func metres(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371000
	x := (lon2 - lon1) * math.Pi / 180 * math.Cos((lat1+lat2)/2*math.Pi/180)
	y := (lat2 - lat1) * math.Pi / 180
	return r * math.Hypot(x, y)
}

// Real: the gateway, the edge and argus-sim binaries (embedded NATS
// broker, store, patrol service, the console's Drones view; the edge's
// MAVLink node over UDP; the sim's vehicle), configs/sites, and Debian's
// headless Chromium. SIMULATED: the vehicle itself (drivers/sim/drone:
// Go code imitating ArduCopter's mission protocol, no autopilot), its
// flight clock 8 times real time. A pilot launches north-slope from the
// Drones view: every progress step shows in order to completed, and the
// drone is home, landed and disarmed; then north-slope again, aborted
// past waypoint 3 from the view: returning, landed, aborted, and the drone
// home again.
func TestConsoleFliesARealPatrol(t *testing.T) {
	peers.Need(t, "chromium", "chromium")
	ds := startDroneStack(t, 20)
	ctx := peers.Chromium(t)
	do := func(what string, within time.Duration, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		if err := chromedp.Do(rctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	card := `[data-testid="drone-card"][data-drone="drone-hillside"]`
	in := func(s string) string { return sel(card + " " + s) }
	progress := func() []string {
		return peers.Eval[[]string](t, ctx, `[...document.querySelectorAll(`+strconv.Quote(card+` [data-testid="drone-progress-item"]`)+`)].map((li) => li.textContent)`)
	}
	launch := func(route string) {
		t.Helper()
		peers.Eval[bool](t, ctx, `(() => { const s = `+in(`[data-testid="drone-route"]`)+`; s.value = '`+route+`'; s.dispatchEvent(new Event('change')); return true; })()`)
		do("check "+route, 30*time.Second, chromedp.Click(chromedp.CSS(card+` [data-testid="drone-check"]`)),
			chromedp.Poll[chromedp.Void](in(`[data-testid="drone-check-item"]`)+` && !`+in(`[data-testid="drone-launch"]`)+`.disabled`))
		do("launch "+route, 30*time.Second, chromedp.Click(chromedp.CSS(card+` [data-testid="drone-launch"]`)))
	}
	pilot := demoLogin(t, ds.gateway, "pilot", "pilot password")
	atHome := func(what string) {
		t.Helper()
		poll(t, what, 30*time.Second, func() (bool, string) {
			d, body := ds.drone(t, pilot)
			return d.State == bus.DroneIdle && !d.Armed && d.Position != nil && d.Position.Alt < 1 &&
				metres(d.Position.Lat, d.Position.Lon, droneHome.Lat, droneHome.Lon) < 5, body
		})
	}

	do("sign in", 30*time.Second, chromedp.Navigate(ds.gateway+"/#/drones"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-user"]`), "pilot"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), "pilot password"),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(card)))

	began := time.Now()
	launch("north-slope")
	do("north-slope completed", 90*time.Second, chromedp.Poll[chromedp.Void](in(`[data-testid="drone-progress-item"][data-state="completed"]`), chromedp.WithPollingTimeout(0)))
	t.Logf("north-slope flown in %v", time.Since(began).Round(100*time.Millisecond))
	want := []string{"accepted", "uploading", "started", "waypoint 1/5", "waypoint 2/5", "waypoint 3/5", "waypoint 4/5", "waypoint 5/5", "returning: route done", "landed", "completed"}
	if got := progress(); !slices.Equal(got, want) {
		t.Fatalf("progress shown %q, want %q", got, want)
	}
	atHome("drone-hillside home, landed and idle after north-slope")

	// Mid-route: past waypoint 3 of 5, on its way to 4 (about 4 s apart
	// at this speedup); an abort right after the start would find the
	// drone not yet seen airborne.
	launch("north-slope")
	do("north-slope past waypoint 3", 60*time.Second, chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(`+
		strconv.Quote(card+` [data-testid="drone-progress-item"]`)+`)].some((li) => li.textContent === 'waypoint 3/5')`+
		` && !`+in(`[data-testid="drone-abort"]`)+`.hidden`, chromedp.WithPollingTimeout(0)))
	do("abort", 30*time.Second, chromedp.Click(chromedp.CSS(card+` [data-testid="drone-abort"]`)))
	do("aborted", 90*time.Second, chromedp.Poll[chromedp.Void](in(`[data-testid="drone-progress-item"][data-state="aborted"]`), chromedp.WithPollingTimeout(0)))
	got := progress()
	if len(got) < 9 || !slices.Equal(got[:6], []string{"accepted", "uploading", "started", "waypoint 1/5", "waypoint 2/5", "waypoint 3/5"}) {
		t.Fatalf("aborted patrol's progress %q: want accepted, uploading, started, waypoints 1 to 3 first", got)
	}
	tail := got[len(got)-3:]
	if tail[0] != "returning: aborted" || tail[1] != "landed" || firstWord(tail[2]) != "aborted:" {
		t.Fatalf("aborted patrol's progress %q: want it to end returning, landed, aborted", got)
	}
	if slices.Contains(got, "completed") || slices.Contains(got, "waypoint 5/5") {
		t.Fatalf("aborted patrol's progress %q: it flew on to the route's end", got)
	}
	atHome("drone-hillside home, landed and idle after the abort")
	do("idle in the view, abort hidden", 30*time.Second, chromedp.Poll[chromedp.Void](in(`[data-testid="drone-abort"]`)+`.hidden && `+
		in(`[data-testid="drone-state"]`)+`.textContent === 'idle'`))
}

// firstWord is s up to its first space.
func firstWord(s string) string {
	for i, r := range s {
		if r == ' ' {
			return s[:i]
		}
	}
	return s
}

// e2eMAVLinkKey signs the MAVLink link between the edge and argus-sim's
// drone (MAVLink 2 signing, as a deployment must).
const e2eMAVLinkKey = "E2E_MAVLINK_KEY=6532652d6d61766c696e6b2d6b65792d666f722d7465737473206f6e6c792121"
