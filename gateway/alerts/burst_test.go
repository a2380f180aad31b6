package alerts

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker/brokertest"
	"github.com/argus-edge/argus/gateway/incidents"
	"github.com/argus-edge/argus/gateway/store"
)

// Real: the gateway's embedded broker (NATS, MQTT), a paho client
// publishing at QoS 1 as edges do, the SQLite store and the incident
// grouping. Simulated: the edges (one client), a store that is slow at
// first (the probe holds the first batch until the ingest queue is full)
// and a console that never reads (a listener stuck for the whole test).
//
// A burst of 5,000 camera_offline over 5 sites: the queue fills and stays
// bounded (its peak is its capacity), the burst is logged once, every
// anomaly is stored and acknowledged in batches, each site's anomalies
// make one outage holding them all, the stuck listener costs only
// dropped notifications, and a batch listener (the console's event
// stream) is told every anomaly.
func TestBurstIsAbsorbedWithoutLoss(t *testing.T) {
	const n, sites, queue = 5000, 5, 64
	url := brokertest.Start(t)
	st := newStore(t)
	st.gate = make(chan struct{})
	svc, err := incidents.NewService(st, incidents.Rules{}, incidents.Options{Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	logs := &peers.LogBuffer{}
	a, err := New(Options{Broker: url, ClientID: "alerts-burst", Store: st, Log: zerolog.New(logs),
		Incidents: svc.ObserveBatch, QueueSize: queue, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	stuck := make(chan struct{})
	cancelStuck := a.Subscribe(func(store.Anomaly) { <-stuck })
	t.Cleanup(func() { close(stuck); cancelStuck() })
	var toldMu sync.Mutex
	told := map[string]bool{} // by the batch listener (the console's event stream)
	t.Cleanup(a.SubscribeBatch(func(recs []store.Anomaly) {
		toldMu.Lock()
		defer toldMu.Unlock()
		for _, rec := range recs {
			told[rec.ID] = true
		}
	}))
	r := &rig{Alerts: a, store: st}
	r.run(t)

	e := peers.MQTTClient(t, url, "edge-burst")
	toks := make([]paho.Token, 0, n)
	for i := range n {
		site := fmt.Sprintf("site%d", i%sites)
		an := bus.Anomaly{ID: fmt.Sprintf("burst-%d", i), Seq: uint64(i + 1), Site: site, Camera: fmt.Sprintf("%s-cam%d", site, i),
			Edge: "edge-" + site, Kind: bus.KindCameraOffline, State: bus.StateStart, Severity: "high",
			FrameTime: bus.Now(), PublishedAt: bus.Now()}
		toks = append(toks, e.Publish(bus.AnomalyTopic(site, an.Camera), 1, false, mustJSON(t, an)))
	}
	late := time.Now().Add(60 * time.Second) // for the waits after the queue filled
	// The store holds the first batch: the queue fills.
	if !peers.Eventually(30*time.Second, func() bool { return len(a.queue) >= queue }) {
		t.Fatalf("the ingest queue holds %d of %d after 30s", len(a.queue), queue)
	}
	close(st.gate)
	for i, tok := range toks {
		if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %d: %v", i, tok.Error())
		}
	}
	if !peers.Eventually(time.Until(late), func() bool { return a.Stats().Ingested >= n }) {
		t.Fatalf("applied %d of %d", a.Stats().Applied, n)
	}
	s := a.Stats()
	if s.Applied != n || s.StoreErrors != 0 || s.QueuePeak != queue || s.Bursts < 1 || s.Dropped == 0 {
		t.Fatalf("stats %+v: want %d applied, no store error, a peak of %d, a burst and drops for the stuck listener", s, n, queue)
	}
	var got int
	if !peers.Eventually(time.Until(late), func() bool {
		toldMu.Lock()
		defer toldMu.Unlock()
		got = len(told)
		return got == n
	}) {
		t.Fatalf("the batch listener was told %d of %d anomalies", got, n)
	}
	if got := strings.Count(logs.String(), "ingest queue full"); uint64(got) != s.Bursts {
		t.Fatalf("%d 'ingest queue full' lines for %d bursts", got, s.Bursts)
	}
	ctx := context.Background()
	page, err := st.Incidents(ctx, store.IncidentQuery{State: store.StatusOpen, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	members := 0
	for _, inc := range page.Items {
		if inc.Rule != store.RuleOutage {
			t.Fatalf("open incident %s (%s) beside the outages", inc.ID, inc.Rule)
		}
		members += inc.Count
	}
	if len(page.Items) != sites || members != n {
		t.Fatalf("%d open outages holding %d anomalies, want %d holding %d", len(page.Items), members, sites, n)
	}
	checkMetric(t, a, "argus_ingest_anomalies_total", n)
}
