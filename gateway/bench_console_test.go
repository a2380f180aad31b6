package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/drivers/bus"
)

// district is the inventory of the district: 41,000 cameras over 40 sites.
const (
	districtCameras = 41000
	districtSites   = 40
)

// BenchmarkCameraAPI41k measures the console's camera API over HTTP with
// the district's inventory. Real: the gateway's run (embedded broker,
// directory, API, SQLite audit). Simulated: the edges, one paho client
// publishing 41,000 retained camera statuses as edges would. Each request
// is a full authenticated, audited call; ns/op is one request.
func BenchmarkCameraAPI41k(b *testing.B) {
	users := "users:\n"
	for _, u := range []struct{ name, role, sites string }{
		{"chief", "commander", `["*"]`}, {"four-sites", "operator", "[site-01, site-02, site-03, site-04]"}} {
		h, _ := bcrypt.GenerateFromPassword([]byte(u.name+" password"), bcrypt.MinCost)
		users += fmt.Sprintf("  - {name: %s, role: %s, sites: %s, password_hash: %q}\n", u.name, u.role, u.sites, h)
	}
	httpURL, mqttURL, _ := startGateway(b, users)
	start := time.Now()
	publishInventory(b, mqttURL)
	chief := loginAs(b, httpURL, "chief")
	awaitInventory(b, httpURL, chief)
	fmt.Fprintf(os.Stderr, "BenchmarkCameraAPI41k: %d retained statuses published and listed by the API in %s\n",
		districtCameras, time.Since(start).Round(time.Millisecond))

	deep := cursorAt(b, httpURL, chief, 20000)
	op := loginAs(b, httpURL, "four-sites")
	for _, c := range []struct{ name, token, query string }{
		{"first-page-50", chief, "limit=50"},
		{"page-at-20000", chief, "limit=50&cursor=" + url.QueryEscape(deep)},
		{"search-all-sites", chief, "q=cam-0401&limit=50"},
		{"search-no-match", chief, "q=no-such-camera&limit=50"},
		{"site-and-state", chief, "site=site-07&state=offline&limit=50"},
		{"operator-4-sites", op, "limit=50"},
		{"operator-4-sites-search", op, "q=9&limit=50"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				if st := call(b, "GET", httpURL+"/api/cameras?"+c.query, c.token, nil, nil); st != 200 {
					b.Fatalf("GET /api/cameras?%s: %d", c.query, st)
				}
			}
		})
	}
}

// publishInventory publishes the district's retained camera statuses; one
// in ten is offline.
func publishInventory(b *testing.B, mqttURL string) {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(mqttURL).SetClientID("bench-edges"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	toks := make([]paho.Token, 0, districtCameras)
	for i := range districtCameras {
		cs := bus.CameraStatus{Site: fmt.Sprintf("site-%02d", i%districtSites), Camera: fmt.Sprintf("cam-%05d", i),
			Edge: fmt.Sprintf("edge-%03d", i/250), State: bus.Online, Codec: "H264", Width: 1920, Height: 1080,
			FPS: 25, BitrateKbps: 4000, LastFrame: bus.Now(), Mode: bus.ModeIdle, Time: bus.Now()}
		if i%10 == 0 {
			cs.State, cs.Reason = bus.Offline, "read timeout"
		}
		p, _ := json.Marshal(cs)
		toks = append(toks, c.Publish(bus.CameraStatusTopic(cs.Site, cs.Camera), 1, true, p))
	}
	for i, tok := range toks {
		if !tok.WaitTimeout(60*time.Second) || tok.Error() != nil {
			b.Fatalf("status %d: %v", i, tok.Error())
		}
	}
}

// awaitInventory polls the API until it counts every camera (set-up of a
// benchmark, not a test's synchronisation: the count is the thing awaited).
func awaitInventory(b *testing.B, httpURL, token string) {
	deadline := time.Now().Add(2 * time.Minute)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		var page struct{ Total int }
		call(b, "GET", httpURL+"/api/cameras?limit=1", token, nil, &page)
		if page.Total == districtCameras {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d cameras after 2 min", page.Total, districtCameras)
		}
		time.Sleep(wait)
	}
}

// cursorAt walks the list in pages of 500 and returns the cursor after n cameras.
func cursorAt(b *testing.B, httpURL, token string, n int) string {
	cursor := ""
	for seen := 0; seen < n; seen += 500 {
		var page struct{ Next string }
		if st := call(b, "GET", httpURL+"/api/cameras?limit=500&cursor="+url.QueryEscape(cursor), token, nil, &page); st != 200 || page.Next == "" {
			b.Fatalf("page after %d: %d", seen, st)
		}
		cursor = page.Next
	}
	return cursor
}
