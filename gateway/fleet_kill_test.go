package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/drivers/fleet"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker"
)

// Real: a 3-node nats-server cluster with MQTT listeners (nats-server's
// default js_api_timeout), the gateway's run in external-backbone mode,
// drivers/busclient's Client as the edge's publisher (disk queue, QoS 1) with
// every node's URL. Simulated: the edge's cameras
// (the test writes their statuses).
//
// While the edge sends 300 anomalies at 50/s, node n0 — first in every
// client's list, so it holds the edge's and the gateway's MQTT sessions —
// is killed with SIGKILL. Every anomaly is stored; the edge and the
// gateway's alert follower come back; a new reader on a surviving node
// gets every retained camera status from JetStream, and a new nats.go
// reader every status in argus-status. The test logs when the two came
// back (5–10 s here: NATS elects new leaders for the dead node's streams,
// and an MQTT CONNECT meanwhile fails after its 5 s JetStream API
// timeout); it allows 60 s, since a loaded machine stretches both and a
// time is not what it checks.
func TestFleetNodeKilledWhileAnomaliesFlow(t *testing.T) {
	c := peers.NATSClusterWith(t, 3, peers.NATSOptions{MQTT: true})
	js := backboneJS(t, c.URLs())
	gw := startFleetGateway(t, c, "gw-k", writeConfig(t, consoleUsers(t)))
	root := loginAs(t, gw.http, "root")

	edge, err := busclient.New(busclient.Options{Broker: c.MQTTURL(0) + "," + c.MQTTURL(1) + "," + c.MQTTURL(2), Edge: "edge-k",
		Version: "test", QueueDir: t.TempDir(), PubackTimeout: 2 * time.Second, ReconnectMax: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer edge.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := edge.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	const cameras = 50
	for i := range cameras {
		st := bus.CameraStatus{Site: "north", Camera: fmt.Sprintf("k-cam-%02d", i), State: bus.Online, Mode: bus.ModeIdle, Time: bus.Now()}
		if err := edge.PublishCameraStatus(st); err != nil {
			t.Fatal(err)
		}
		st.Edge = "edge-k"
		putStatus(t, js, st)
	}

	const total, killAt = 300, 100
	var killed time.Time
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= total; i++ {
			if i == killAt {
				killed = time.Now()
				c.Kill(0)
			}
			a := bus.Anomaly{ID: fmt.Sprintf("k-%03d", i), Site: "north", Camera: fmt.Sprintf("k-cam-%02d", i%cameras),
				Kind: "motion", State: bus.StateStart, Severity: "info", Score: 0.5, FrameTime: bus.Now()}
			if err := edge.PublishAnomaly(a); err != nil {
				t.Errorf("queue %s: %v", a.ID, err)
			}
			time.Sleep(20 * time.Millisecond) // the edge's pace: 50 anomalies a second
		}
	}()
	wg.Wait()

	const back = 60 * time.Second
	eventually(t, back-time.Since(killed), "the edge back after the kill", func() (bool, string) {
		return edge.Connected(), "not connected"
	})
	t.Logf("the edge back %.1f s after the kill", time.Since(killed).Seconds())
	if !gw.log.AwaitFunc(func(log string) bool { return strings.Count(log, `"following anomalies"`) >= 2 }, back-time.Since(killed)) {
		t.Fatalf("the gateway's alert follower not back within %v of the kill:\n%s", back, gw.log)
	}
	t.Logf("the gateway's alert follower back %.1f s after the kill", time.Since(killed).Seconds())

	eventually(t, 60*time.Second, "every anomaly stored", func() (bool, string) {
		seen := map[string]bool{}
		for _, id := range appliedIn(gw.log.String()) {
			seen[id] = true
		}
		var missing []string
		for i := 1; i <= total; i++ {
			if id := fmt.Sprintf("k-%03d", i); !seen[id] {
				missing = append(missing, id)
			}
		}
		return len(missing) == 0, fmt.Sprintf("%d missing, first %v", len(missing), missing[:min(len(missing), 5)])
	})
	if st := call(t, "GET", gw.http+"/api/anomalies/k-001", root, nil, nil); st != 200 {
		t.Fatalf("k-001 in the API: %d", st)
	}

	// A new reader of the retained statuses on a surviving node, the way
	// the gateway reads them: whole, from JetStream's retained stream. (A
	// new MQTT subscriber on NATS right after a node's death got 0 of 50 in
	// one run: NATS fills a node's retained index asynchronously, which is
	// why the gateway does not read district state through one `#`.)
	nc, err := nats.Connect(c.URL(1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	retained, err := broker.NewRetained(nc)
	if err != nil {
		t.Fatal(err)
	}
	topics := map[string]bool{}
	eventually(t, 30*time.Second, "every retained status read whole", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n, err := retained.Read(ctx, bus.AllCameraStatus, func(topic string, _ []byte) { topics[topic] = true })
		return err == nil && len(topics) == cameras, fmt.Sprintf("%d of %d (read %d, %v)", len(topics), cameras, n, err)
	})
	reader := backboneJS(t, c.URL(2))
	eventually(t, 60*time.Second, "a new nats.go reader finds every status in "+fleet.BucketStatus, func() (bool, string) {
		keys, err := readBucket(reader, fleet.BucketStatus, 10*time.Second)
		return err == nil && len(keys) == cameras, fmt.Sprintf("%d of %d (%v)", len(keys), cameras, err)
	})
}
