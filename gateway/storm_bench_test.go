package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// stormAnomalies is the typhoon: cameras going offline over stormSites sites.
const (
	stormAnomalies = 5000
	stormSites     = 3
)

// BenchmarkIncidentStorm is issue 17's storm through the real broker:
// 5,000 camera_offline anomalies over 3 sites, paced over 60 s
// (ARGUS_STORM_SECONDS changes it), while an admin's console follows
// /api/events. Real: the gateway's run (embedded broker, alerts, SQLite
// store, incident grouping, API). Simulated: the edges, one paho client
// publishing the anomalies at QoS 1 as edges would. It fails unless every
// anomaly is in the store and each site has one outage incident (the
// cameras' own incidents before it are folded in); it reports the event
// stream's latency (an anomaly's frame time to its event reaching the
// console) at p50 and p99, and how many incident events the console got.
func BenchmarkIncidentStorm(b *testing.B) {
	span := 60 * time.Second
	if s, err := strconv.Atoi(os.Getenv("ARGUS_STORM_SECONDS")); err == nil && s > 0 {
		span = time.Duration(s) * time.Second
	}
	httpURL, mqttURL, log := startGateway(b, consoleUsers(b))
	root := loginAs(b, httpURL, "root")
	ev := events(b, httpURL, root)
	if !log.Await(`"following anomalies"`, 10*time.Second) {
		b.Fatalf("alerts not following anomalies after 10s")
	}
	lat := make(chan []time.Duration, 1)
	incidentEvents := make(chan int, 1)
	go follow(ev, span+30*time.Second, lat, incidentEvents)
	for range b.N {
		publishStorm(b, mqttURL, span)
	}
	awaitStored(b, httpURL, root)
	checkOutages(b, httpURL, root)
	ds := <-lat
	slices.Sort(ds)
	if len(ds) < stormAnomalies {
		b.Fatalf("the console got %d anomaly events of %d", len(ds), stormAnomalies)
	}
	p := func(q float64) time.Duration { return ds[int(q*float64(len(ds)-1))] }
	b.ReportMetric(float64(p(0.5).Milliseconds()), "p50-ms")
	b.ReportMetric(float64(p(0.99).Milliseconds()), "p99-ms")
	b.ReportMetric(float64(<-incidentEvents), "incident-events")
	fmt.Fprintf(os.Stderr, "BenchmarkIncidentStorm: %d anomalies over %s, event stream latency p50 %s p99 %s max %s\n",
		stormAnomalies, span, p(0.5), p(0.99), ds[len(ds)-1])
}

// publishStorm publishes the storm's anomalies evenly over span, each
// with its frame time at its publication.
func publishStorm(b *testing.B, mqttURL string, span time.Duration) {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(mqttURL).SetClientID("storm-edges"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	start := time.Now()
	for i := range stormAnomalies {
		time.Sleep(time.Until(start.Add(span * time.Duration(i) / stormAnomalies))) // pacing the load, not synchronising
		site := fmt.Sprintf("storm-%d", i%stormSites)
		cam := fmt.Sprintf("%s-cam%04d", site, i)
		a := bus.Anomaly{ID: fmt.Sprintf("storm-%04d", i), Seq: 1, Site: site, Camera: cam, Edge: "edge-" + site,
			Kind: bus.KindCameraOffline, State: bus.StateStart, Severity: "high", FrameTime: bus.Now(), PublishedAt: bus.Now()} // high: as the rules raise it, wall-worthy
		p, _ := json.Marshal(a)
		if tok := c.Publish(bus.AnomalyTopic(site, cam), 1, false, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			b.Fatalf("publish %s: %v", a.ID, tok.Error())
		}
	}
}

// follow reads the console's events for a while: each storm anomaly's
// latency (its frame time to now) and the number of incident events.
func follow(ev <-chan string, within time.Duration, lat chan<- []time.Duration, incidents chan<- int) {
	var ds []time.Duration
	n := 0
	deadline := time.After(within)
	for len(ds) < stormAnomalies {
		select {
		case e := <-ev:
			switch {
			case strings.HasPrefix(e, "anomaly ") && strings.Contains(e, `"id":"storm-`):
				var a store.Anomaly
				if json.Unmarshal([]byte(strings.TrimPrefix(e, "anomaly ")), &a) == nil {
					ds = append(ds, time.Since(a.StartedAt))
				}
			case strings.HasPrefix(e, "incident "):
				n++
			}
		case <-deadline:
			lat <- ds
			incidents <- n
			return
		}
	}
	lat <- ds
	incidents <- n
}

// awaitStored waits until the store holds every storm anomaly.
func awaitStored(b *testing.B, httpURL, token string) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, cursor := 0, ""
		for {
			var page store.Page[store.Anomaly]
			if st := call(b, "GET", httpURL+"/api/anomalies?kind=camera_offline&limit=500&cursor="+cursor, token, nil, &page); st != 200 {
				b.Fatalf("anomalies: %d", st)
			}
			n += len(page.Items)
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if n == stormAnomalies {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the store holds %d storm anomalies of %d after waiting 60s", n, stormAnomalies)
		}
		time.Sleep(500 * time.Millisecond) // polling the store with a deadline
	}
}

// checkOutages fails unless each site has exactly one open incident, its
// outage, and the outages hold every anomaly.
func checkOutages(b *testing.B, httpURL, token string) {
	var page store.Page[store.Incident]
	if st := call(b, "GET", httpURL+"/api/incidents?state=open&limit=500", token, nil, &page); st != 200 {
		b.Fatalf("incidents: %d", st)
	}
	perSite, members := map[string]int{}, 0
	for _, inc := range page.Items {
		if inc.Rule != store.RuleOutage {
			b.Fatalf("open incident %s (%s) beside the outages", inc.ID, inc.Rule)
		}
		perSite[inc.Site]++
		members += inc.Count
	}
	if len(perSite) != stormSites || members != stormAnomalies {
		b.Fatalf("open outages by site %v holding %d anomalies, want one per site holding %d", perSite, members, stormAnomalies)
	}
	for site, n := range perSite {
		if n != 1 {
			b.Fatalf("site %s has %d open outages", site, n)
		}
	}
	// The outage is one banner: only the cameras offline before it (4 a site) are on the wall.
	var wall struct{ Items []store.WallEntry }
	if st := call(b, "GET", httpURL+"/api/wall", token, nil, &wall); st != 200 || len(wall.Items) > stormSites*4 {
		b.Fatalf("wall: %d, %d cameras on it, want at most %d", st, len(wall.Items), stormSites*4)
	}
}
