package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// demoConditions are the demo's real conditions: one camera and the
// anomaly kinds it shows, each one incident at most (fire and smoke stand
// 200 m apart: one fire area by the distance rule when both are in one).
var demoConditions = map[string][]string{
	"hillside-fire":   {bus.KindFire, bus.KindSmoke},
	"hillside-smoke":  {bus.KindFire, bus.KindSmoke},
	"chemplant-black": {bus.KindCameraCovered},
	"chemplant-flap":  {bus.KindCameraOffline},
	"riverside-walk":  {bus.KindPerson},
	"chemplant-gate":  {bus.KindPerson},
}

// demoIncident is an incident as /api/incidents answers, with what the page showed of it.
type demoIncident struct {
	ID      string   `json:"id"`
	Rule    string   `json:"rule"`
	Kind    string   `json:"kind"`
	Title   string   `json:"title"`
	State   string   `json:"state"`
	Cameras []string `json:"cameras"`
	Count   int      `json:"count"`
	Shown   string   `json:"shown"` // the card's count as the page shows it, "×N"
	Lines   int      `json:"lines"` // timeline lines the card shows once opened
}

// BenchmarkDemoIncidents runs `make run`'s system (deploy/demo.sh with the
// binaries of TestMain, ports moved) for ARGUS_DEMO_CHECK (default 5m;
// make demo-check, part of make bench) after every promised anomaly was
// seen, then checks the Incidents view (checkIncidents). It is a
// benchmark, run once, because five minutes is too long for make test:
// there TestDemoScript makes the same check after its drone patrol. What
// was simulated: the cameras (argus-sim's demo fleet) and the drones.
func BenchmarkDemoIncidents(b *testing.B) {
	var t testing.TB = b
	wait := 5 * time.Minute
	if v := os.Getenv("ARGUS_DEMO_CHECK"); v != "" {
		var err error
		if wait, err = time.ParseDuration(v); err != nil {
			t.Fatalf("ARGUS_DEMO_CHECK=%q: %v", v, err)
		}
	}
	peers.Need(t, "ffmpeg", "ffmpeg")
	ports := map[string]int{"ARGUS_DEMO_RTSP": peers.FreePort(t), "ARGUS_DEMO_RTP": udpPort(t), "ARGUS_DEMO_MQTT": peers.FreePort(t), "ARGUS_DEMO_NATS": peers.FreePort(t),
		"ARGUS_DEMO_HTTP": peers.FreePort(t), "ARGUS_DEMO_WEBRTC_UDP": udpPort(t), "ARGUS_DEMO_EDGE_HTTP": peers.FreePort(t),
		"ARGUS_DEMO_MAVLINK": udpPort(t)}
	d := startDemo(t, t.TempDir(), ports)
	gateway := fmt.Sprintf("http://127.0.0.1:%d", ports["ARGUS_DEMO_HTTP"])
	for ready := time.Now().Add(5 * time.Minute); ; { // a cold scene cache encodes the fleet first
		ev, ok := d.next(t, ready, `"gateway ready"`)
		if !ok {
			t.Fatal(`the demo ended before "gateway ready"`)
		}
		if ev["message"] == "gateway ready" {
			break
		}
	}
	mustShow(t, d, fmt.Sprintf("tcp://watcher:%s@127.0.0.1:%d", demoWatcherPassword, ports["ARGUS_DEMO_MQTT"]), edgeStatus(ports["ARGUS_DEMO_EDGE_HTTP"]))
	t.Logf("every condition shown; letting the demo run %v", wait)
	for end := time.After(wait); ; { // the demo's output keeps flowing meanwhile
		select {
		case line, open := <-d.lines:
			if !open {
				t.Fatal("the demo ended during the wait")
			}
			d.keep(line)
			continue
		case <-end:
		}
		break
	}
	go func() { // drain the rest
		for line := range d.lines {
			_ = line
		}
	}()
	n := checkIncidents(t, gateway, wait)
	fmt.Printf("BenchmarkE2EDemoIncidents\t1\t%d ns/op\t%d incidents\n", wait.Nanoseconds(), n)
}

// checkIncidents opens the demo's console in headless Chromium as its
// commander and checks the Incidents view: one incident per real
// condition (the fire, the smoke, the covered camera, the flapping
// camera, the people on each camera), none split in two, each card with
// its count and its timeline, and the fire's timeline with the line of
// the drone auto_dispatch sent. It logs what the view held (ran: how long
// the demo had run) and returns the number of open incidents.
func checkIncidents(t testing.TB, gateway string, ran time.Duration) int {
	t.Helper()
	ctx := demoConsole(t, gateway, "chief", "demo-commander")
	do(t, ctx, "open Incidents", 30*time.Second, chromedp.Navigate(gateway+"/#/incidents"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="incidents-view"]`)))
	awaitPage(t, ctx, "incident cards", `document.querySelectorAll('[data-testid="incident"]').length >= 4`, 30*time.Second)
	// Each card opened: its timeline drawn from the API.
	peers.Eval[bool](t, ctx, `(() => { for (const c of document.querySelectorAll('[data-testid="incident"]')) c.click(); return true; })()`)
	awaitPage(t, ctx, "every card's timeline", `[...document.querySelectorAll('[data-testid="incident"]')].every((c) => c.querySelector('[data-testid="incident-line"]'))`, 30*time.Second)
	shown := peers.Eval[map[string]demoIncident](t, ctx, `Object.fromEntries([...document.querySelectorAll('[data-testid="incident"]')].map((c) => [c.dataset.id,
		{shown: c.querySelector('[data-testid="incident-count"]').textContent, lines: c.querySelectorAll('[data-testid="incident-line"]').length,
		 title: c.querySelector('[data-testid="incident-title"]').textContent}]))`)

	var page struct{ Items []demoIncident }
	token := peers.Eval[string](t, ctx, `sessionStorage.getItem('argus.token') || ''`)
	if code, body := apiCall(t, "GET", gateway+"/api/incidents?limit=500", token, &page); code != 200 {
		t.Fatalf("GET /api/incidents: %d %s", code, body)
	}
	seen := map[string][]string{} // "camera kind" → open incidents holding it
	var report []string
	for _, inc := range page.Items {
		if inc.State == "resolved" {
			continue
		}
		s, ok := shown[inc.ID]
		if !ok {
			t.Errorf("incident %s (%s) is not in the Incidents view", inc.ID, inc.Title)
			continue
		}
		inc.Shown, inc.Lines = s.Shown, s.Lines
		if inc.Shown != fmt.Sprintf("×%d", inc.Count) || inc.Lines == 0 {
			t.Errorf("incident %s: card shows %q and %d timeline lines, want ×%d and its timeline", inc.ID, inc.Shown, inc.Lines, inc.Count)
		}
		for _, cam := range inc.Cameras {
			seen[cam+" "+inc.Kind] = append(seen[cam+" "+inc.Kind], inc.ID)
		}
		b, _ := json.Marshal(inc)
		report = append(report, string(b))
	}
	slices.Sort(report)
	t.Logf("after %v the Incidents view held %d open incidents:\n%s", ran.Round(time.Second), len(report), strings.Join(report, "\n"))
	for key, ids := range seen {
		if len(ids) > 1 {
			t.Errorf("%s is in %d open incidents %v: one real condition split", key, len(ids), ids)
		}
	}
	for cam, kinds := range demoConditions {
		n := 0
		for _, k := range kinds {
			n += len(seen[cam+" "+k])
		}
		if n != 1 {
			t.Errorf("%s (%v) is in %d open incidents, want 1", cam, kinds, n)
		}
	}
	// auto_dispatch acts per fire incident: its timeline says what it did.
	if ids := append(seen["hillside-fire "+bus.KindFire], seen["hillside-fire "+bus.KindSmoke]...); len(ids) == 1 {
		var fire struct {
			Timeline []struct{ What, Text string }
		}
		apiCall(t, "GET", gateway+"/api/incidents/"+ids[0], token, &fire)
		patrols := 0
		for _, en := range fire.Timeline {
			if en.What == "patrol" {
				patrols++
				t.Logf("the fire's timeline: patrol: %s", en.Text)
			}
		}
		if patrols != 1 {
			t.Errorf("the fire incident's timeline has %d patrol lines, want the one auto_dispatch line", patrols)
		}
	}
	return len(report)
}

// demoConsole starts Chromium on the demo's console and signs in.
func demoConsole(t testing.TB, gateway, user, password string) context.Context {
	t.Helper()
	ctx := peers.Chromium(t)
	do(t, ctx, "sign in as "+user, 30*time.Second, chromedp.Navigate(gateway+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-user"]`), user),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), password),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)))
	return ctx
}
