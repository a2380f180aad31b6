package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	simdrone "github.com/argus-edge/argus/drivers/sim/drone"
	"github.com/argus-edge/argus/edge/record"
)

// coveredHillside raises camera_covered on any hillside camera whose
// picture stays black, as coveredRules does on s1.
var coveredHillside = strings.Replace(coveredRules, "site: s1", "site: hillside", 1)

// TestEdgeFliesADrone runs the edge binary with a drone in its config.
// Simulated: the vehicle (drivers/sim/drone, an ArduCopter stand-in in
// Go, its clock 8 times real time; no real autopilot) and its video (the
// RTSP simulator's scene that goes black half of every 8 s). Real: the
// edge, mavp2p routing MAVLink between them, mosquitto, the repository's
// hillside airspace. A patrol launched over MQTT as the gateway sends it
// (a flight sent to verify the camera anomaly fire-1) flies to
// completion; /api/drones, /metrics and the status page (in headless
// Chromium) show the drone; the
// drone's video is analysed as a camera of the drone's id, and its
// anomalies during the flight are placed where the drone was (away from
// home, inside the site's geofence) and filed under fire-1.
func TestEdgeFliesADrone(t *testing.T) {
	broker := peers.Mosquitto(t)
	edgeSide, droneSide := peers.FreeUDPAddr(t), peers.FreeUDPAddr(t)
	peers.MAVP2P(t, "udps:"+edgeSide, "udps:"+droneSide)
	home := mavlink.Point{Lat: 22.5460, Lon: 114.0495, Alt: 30} // the demo's hillside drone
	// The link is signed: the edge reads the key from the variable its
	// config names (the edge process inherits the test's environment).
	key := bytes.Repeat([]byte{0x5c}, 32)
	t.Setenv("T_EDGE_MAVLINK_KEY", hex.EncodeToString(key))
	vehicle, err := simdrone.New(simdrone.Options{SystemID: 1, Link: "udpc://" + droneSide, Home: home,
		Speed: 10, Climb: 5, Speedup: 8, Log: peers.TestLog(t), SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); vehicle.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	video := peers.Sim(t, sim.Camera{Path: "drone", Scene: sim.SceneSpec{Kind: sim.Black, Codec: sim.H264,
		Width: 320, Height: 240, FPS: 10, GOP: 500 * time.Millisecond, Duration: 8 * time.Second}})

	dir := t.TempDir()
	rules := rulesDir(t, dir)
	if err := os.WriteFile(filepath.Join(rules, "hillside.yaml"), []byte(coveredHillside), 0o644); err != nil {
		t.Fatal(err)
	}
	sites, err := filepath.Abs(filepath.Join("..", "configs", "sites")) // tests run in their package's folder
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	cfg := filepath.Join(dir, "edge.yaml")
	writeAtomic(t, cfg, fmt.Sprintf(`edge: {id: edge-drones, http: %q, http_token_env: ARGUS_EDGE_TEST_HTTP_TOKEN}
mqtt: {broker: %q, queue_dir: %q}
record: {dir: %q}
sites: [{id: hillside}]
detect: {rules_dir: %q}
airspace_dir: %q
mavlink: {signing_key_env: T_EDGE_MAVLINK_KEY}
drones:
  - {id: drone-hillside, site: hillside, link: "udpc://%s", system_id: 1, video: %q,
     home: {lat: %g, lon: %g, alt: %g}, max_speed: 12, endurance: 25m}
`, addr, broker.URL(), filepath.Join(dir, "queue"), filepath.Join(dir, "recordings"), rules, sites, edgeSide, video.URL("drone"), home.Lat, home.Lon, home.Alt))

	feed := subscribeAnomalies(t, broker.URL(), "command-center", false)
	patrols := subscribePatrols(t, broker.URL())
	_, logs := startEdge(t, cfg)
	logs.await(t, "drones: up", nil)
	logs.await(t, "camera online", map[string]string{"camera": "drone-hillside"})
	peers.Await(t, 20*time.Second, "drone-hillside up with a position on /api/drones", func() bool {
		var body struct{ Drones []bus.DroneTelemetry }
		getJSON(t, "http://"+addr+"/api/drones", &body)
		return len(body.Drones) == 1 && body.Drones[0].Link == bus.LinkUp && body.Drones[0].Position != nil && body.Drones[0].GPSFix
	})

	gw := peers.MQTTClient(t, broker.URL(), "gateway")
	cmd, _ := json.Marshal(bus.Command{RequestID: "r1", Action: bus.ActionPatrolLaunch, Drone: "drone-hillside", Time: bus.Now(),
		Patrol: &bus.PatrolOrder{ID: "p1", Route: "south-loop", By: "pilot", Reason: "verify fire-1", Verifies: "fire-1", RTL: true, Points: []bus.PatrolPoint{
			{Lat: 22.5470, Lon: 114.0470, Alt: 40, Speed: 10},
			{Lat: 22.5490, Lon: 114.0460, Alt: 40, Speed: 10, Hover: 5},
		}}})
	if tok := gw.Publish(bus.CommandTopic("edge-drones"), 1, false, cmd); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	started := awaitPatrol(t, patrols, 30*time.Second, bus.PatrolStarted)
	end := awaitPatrol(t, patrols, 2*time.Minute, bus.PatrolCompleted)
	landed := awaitPatrol(t, patrols, time.Second, bus.PatrolLanded)

	// Anomalies of the drone's video whose frames were taken in flight.
	var flown []bus.Anomaly
	for _, a := range feed.waitFor(t, 0, 5*time.Second, "anomalies of the drone's video", func(as []bus.Anomaly) bool { return len(as) > 0 }) {
		if a.Camera == "drone-hillside" && a.FrameTime.After(started.Time.Add(3*time.Second)) && a.FrameTime.Before(landed.Time.Add(-3*time.Second)) {
			flown = append(flown, a)
		}
	}
	if len(flown) == 0 {
		t.Fatalf("no anomaly of the drone's video between %s and %s", started.Time, landed.Time)
	}
	for _, a := range flown {
		if a.Site != "hillside" || a.Geo == nil || a.Verifies != "fire-1" {
			t.Fatalf("anomaly %+v: want site hillside, a geo, and the camera anomaly the flight verifies (fire-1)", a)
		}
		d := metres(home.Lat, home.Lon, a.Geo.Lat, a.Geo.Lon)
		if d < 20 || a.Geo.Lat < 22.5450 || a.Geo.Lat > 22.5525 || a.Geo.Lon < 114.0420 || a.Geo.Lon > 114.0510 || a.Geo.Alt < home.Alt+5 {
			t.Fatalf("anomaly %s %s at frame %s placed at %+v (%.0f m from home): want in flight, inside the geofence", a.Kind, a.State, a.FrameTime, *a.Geo, d)
		}
	}
	t.Logf("patrol %s: %d anomalies of the drone's video in flight, each placed on the route", end.State, len(flown))

	// The patrol is on record: its track from take-off to landing, away
	// from home in flight, and its video (the camera records events only)
	// once its post-roll is over, served with the token, read by ffprobe.
	var tr record.PatrolTrack
	peers.Await(t, 30*time.Second, "patrol p1's video on /api/patrols/p1/track", func() bool {
		getJSON(t, "http://"+addr+"/api/patrols/p1/track", &tr)
		return len(tr.Recordings) > 0 && !tr.Flying
	})
	far := 0.0
	for _, p := range tr.Points {
		far = max(far, metres(home.Lat, home.Lon, p.Lat, p.Lon))
	}
	if n := len(tr.Points); n < 5 || tr.Points[0].Time.After(started.Time.Add(time.Second)) || tr.Points[n-1].Time.Before(landed.Time.Add(-2*time.Second)) || far < 100 {
		t.Fatalf("track of %d points from %v to %v, %.0f m from home at most: want take-off (%v) to landing (%v), flown away", n, tr.Points[0].Time, tr.Points[n-1].Time, far, started.Time, landed.Time)
	}
	if v := tr.Recordings[0]; v.Start.After(started.Time.Time) || v.End.Before(landed.Time.Time) || len(tr.Recordings) != 1 {
		t.Fatalf("patrol video %+v does not cover %v..%v in one file", tr.Recordings, started.Time, landed.Time)
	}
	mp4 := filepath.Join(dir, "patrol.mp4")
	if err := os.WriteFile(mp4, []byte(getText(t, "http://"+addr+tr.Recordings[0].URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", mp4).CombinedOutput(); err != nil ||
		strings.Contains(string(out), "rror") {
		t.Fatalf("ffprobe of the patrol's video: %v %s", err, out)
	}
	res, err := http.Get("http://" + addr + "/api/patrols/p1/track")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("track without the token: %d, want 401", res.StatusCode)
	}

	// The status page, in headless Chromium, lists the drone: idle at
	// home again, its patrol completed.
	page := peers.Chromium(t)
	if err := chromedp.Do(page, chromedp.Navigate("http://"+addr+"/?token="+statusToken)); err != nil {
		t.Fatal(err)
	}
	peers.Await(t, 20*time.Second, "the drone's row on the status page", func() bool {
		row := peers.Eval[string](t, page, `(document.querySelector('tr[data-drone="drone-hillside"]') || {}).innerText || ''`)
		return strings.Contains(row, "idle") && strings.Contains(row, "up") && strings.Contains(row, "south-loop completed 2/2")
	})

	// A config change to a drone waits for a restart, says so, and the
	// drone's video stays a camera.
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, cfg, strings.Replace(string(data), "max_speed: 12", "max_speed: 8", 1))
	ev := logs.await(t, "changed settings apply at the next restart", nil)
	if fmt.Sprint(ev["settings"]) != "[drones]" {
		t.Fatalf("restart-only settings %v, want [drones]", ev["settings"])
	}
	if st := cameraStates(t, addr); st["drone-hillside"] != "online" {
		t.Fatalf("after the config change the drone's camera is %q, want online", st["drone-hillside"])
	}

	metrics := getText(t, "http://"+addr+"/metrics")
	for _, want := range []string{`argus_drones{link="up"} 1`, `argus_drone_patrols_total{outcome="completed"} 1`, `argus_drone_telemetry_age_seconds{drone="drone-hillside"}`} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("/metrics lacks %s", want)
		}
	}
}

// patrolFeed keeps the patrol progress events the console would see.
type patrolFeed = feed[bus.PatrolProgress]

func subscribePatrols(t *testing.T, url string) *patrolFeed {
	return subscribeFeed[bus.PatrolProgress](t, url, "console", bus.AllDronePatrols, false)
}

// awaitPatrol returns the first event in state; an end in another state
// fails the test at once.
func awaitPatrol(t *testing.T, f *patrolFeed, within time.Duration, state string) bus.PatrolProgress {
	t.Helper()
	var found bus.PatrolProgress
	f.waitFor(t, 0, within, "patrol "+state, func(got []bus.PatrolProgress) bool {
		for _, p := range got {
			if p.State == state {
				found = p
				return true
			}
			if bus.PatrolEnded(p.State) {
				t.Fatalf("patrol ended %s (%s) before %s", p.State, p.Reason, state)
			}
		}
		return false
	})
	return found
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(getText(t, url)), v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := statusGet(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// metres is the distance between two nearby points.
func metres(lat1, lon1, lat2, lon2 float64) float64 {
	const m = 111320.0
	return math.Hypot((lat2-lat1)*m, (lon2-lon1)*m*math.Cos(lat1*math.Pi/180))
}
