package directory

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker/brokertest"
)

// BenchmarkCatalog41k loads a district's 41,000 retained camera statuses
// from a real mosquitto into a directory (the load time is reported once
// as load_s), then measures the catalog's queries on it. Figures only: no
// timed assertion.
//
//	go test ./gateway/directory -run '^$' -bench Catalog41k -benchtime 2000x
func BenchmarkCatalog41k(b *testing.B) {
	const n = 41_000
	mq := peers.Mosquitto(b)
	retainStatuses(b, peers.MQTTClient(b, mq.URL(), "edge-fleet"), n)
	d := New(Options{Broker: mq.URL(), ClientID: "dir-bench", Log: peers.TestLog(b), EventBuffer: n})
	all := make(chan struct{})
	count := 0
	cancel := d.Subscribe(func(Event) {
		if count++; count == n {
			close(all)
		}
	})
	defer cancel()
	start := time.Now()
	runDirectory(b, d)
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		b.Fatalf("%d of %d statuses in 60s", d.Len(), n)
	}
	load := time.Since(start)
	if d.Len() != n {
		b.Fatalf("%d cameras, want %d (%d events dropped)", d.Len(), n, d.DroppedEvents())
	}
	fmt.Printf("BenchmarkCatalog41k: 41,000 retained statuses from mosquitto into the directory in %s\n", load.Round(time.Millisecond))
	scope := []string{"site-1", "site-3", "site-5", "site-7"}
	queries := []struct {
		name string
		q    CameraQuery
	}{
		{"first_page", CameraQuery{}},
		{"page_mid_catalog", CameraQuery{Cursor: "cam-20500", Limit: 100}},
		{"search_substring", CameraQuery{Q: "CAM-123"}},
		{"search_scoped_sites", CameraQuery{Sites: scope, Q: "7", Limit: 200}},
		{"site_and_state", CameraQuery{Site: "site-4", State: bus.Online, Cursor: "cam-30000"}},
	}
	for _, tc := range queries {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var total int
			for b.Loop() {
				_, total, _ = d.Cameras(tc.q)
			}
			b.ReportMetric(float64(total), "matches")
		})
	}
	b.Run("sites", func(b *testing.B) {
		for b.Loop() {
			d.Sites()
		}
	})
	b.Run("status_update", func(b *testing.B) { // a known camera's new status: in place
		cs := &bus.CameraStatus{Edge: "edge-1", State: bus.Offline}
		for i := 0; b.Loop(); i++ {
			c := 10_000 + i%20_000
			feed(b, d, fmt.Sprintf("site-%d", c%10), fmt.Sprintf("cam-%05d", c), cs)
		}
	})
	b.Run("camera_gone_and_back", func(b *testing.B) { // clear + new: delete and insert mid-catalog
		cs := &bus.CameraStatus{Edge: "edge-1", State: bus.Online}
		for i := 0; b.Loop(); i++ {
			c := 10_000 + i%20_000
			site, cam := fmt.Sprintf("site-%d", c%10), fmt.Sprintf("cam-%05d", c)
			feed(b, d, site, cam, nil)
			feed(b, d, site, cam, cs)
		}
		if d.Len() != n {
			b.Fatalf("%d cameras after the churn, want %d", d.Len(), n)
		}
	})
}

// BenchmarkRebuild41k is a gateway (re)starting in a district: 41,000
// camera statuses retained on the embedded NATS node, a new directory
// reading them. It reports the seconds until every status is in the
// directory (ready_s: Ready closes after the read from JetStream) and the
// heap then in use. Figures only.
//
//	go test ./gateway/directory -run '^$' -bench Rebuild41k -benchtime 1x
func BenchmarkRebuild41k(b *testing.B) {
	const n = 41_000
	br := brokertest.Run(b)
	retainStatuses(b, peers.MQTTClient(b, brokertest.URL(br), "edge-fleet"), n)
	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		d := New(Options{Broker: brokertest.URL(br), ClientID: "dir-rebuild", Log: zerolog.Nop(), EventBuffer: 16,
			Retained: brokertest.Retained(b, br)})
		start := time.Now()
		runDirectory(b, d) // returns once Ready: the read from JetStream is done
		ready := time.Since(start)
		if d.Len() != n {
			b.Fatalf("%d cameras when ready, want %d", d.Len(), n)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(ready.Seconds(), "ready_s")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap_MiB")
	}
}
