package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/fleet"
	"github.com/argus-edge/argus/drivers/peers"
)

// fleetGateway is one run of the gateway (run, as main calls it) in
// external-backbone mode on a peers.NATSCluster.
type fleetGateway struct {
	http string
	log  *peers.LogBuffer
	stop func()
}

// startFleetGateway runs the gateway as replica id on the cluster c
// (every node's client and MQTT URL) with config, until stop or the test's end.
func startFleetGateway(t *testing.T, c *peers.NATS, id, config string, more ...string) *fleetGateway {
	t.Helper()
	port := peers.FreePort(t)
	mqtt := []string{}
	for i := range 3 {
		mqtt = append(mqtt, c.MQTTURL(i))
	}
	g := &fleetGateway{http: fmt.Sprintf("http://127.0.0.1:%d", port), log: &peers.LogBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-backbone", c.URLs(), "-mqtt-broker", strings.Join(mqtt, ","), "-backbone-user", "",
			"-id", id, "-http", fmt.Sprintf("127.0.0.1:%d", port), "-webrtc-udp", "127.0.0.1:0",
			"-config", config, "-log-format", "json"}, more...), g.log)
	}()
	var once sync.Once
	g.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("gateway %s: %v", id, err)
			}
		})
	}
	t.Cleanup(g.stop)
	if !g.log.Await(`"gateway ready"`, 30*time.Second) {
		t.Fatalf("gateway %s not ready after 30s:\n%s", id, g.log)
	}
	return g
}

// simEdge is a fleet-mode edge simulated in the test process: a real
// fleet.Agent on the cluster (heartbeats, its assignment, fencing) whose
// pulls are simulated. For every camera it starts it writes an online
// status into argus-status once the agent has applied the work (so the
// status carries that work's epoch), as the real edge does.
type simEdge struct {
	id     string
	agent  *fleet.Agent
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	pulling map[string]fleet.CameraSpec
	starts  int
	stops   int
}

func startSimEdge(t *testing.T, urls, id string, capacity float64) *simEdge {
	t.Helper()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	e := &simEdge{id: id, pulling: map[string]fleet.CameraSpec{}, done: make(chan struct{})}
	started := make(chan startWork, 1024)
	e.agent, err = fleet.NewAgent(js, fleet.AgentConfig{Edge: id, Capacity: capacity, Version: "test"}, func(w fleet.Work) {
		started <- e.apply(w)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() {
		defer close(e.done)
		defer nc.Close()
		go e.report(ctx, started)
		if err := e.agent.Run(ctx); err != nil {
			t.Errorf("edge %s: %v", id, err)
		}
	}()
	t.Cleanup(e.stop)
	return e
}

// startWork are the cameras one Work started.
type startWork struct {
	epoch   uint64
	cameras []fleet.CameraSpec
}

// apply starts and stops simulated pulls as the Work says.
func (e *simEdge) apply(w fleet.Work) startWork {
	e.mu.Lock()
	defer e.mu.Unlock()
	want := map[string]fleet.CameraSpec{}
	if !w.Fenced {
		for _, c := range w.Cameras {
			want[c.ID] = c
		}
	}
	for id := range e.pulling {
		if _, ok := want[id]; !ok {
			delete(e.pulling, id)
			e.stops++
		}
	}
	sw := startWork{epoch: w.Epoch}
	for id, c := range want {
		if _, ok := e.pulling[id]; !ok {
			e.pulling[id] = c
			e.starts++
			sw.cameras = append(sw.cameras, c)
		}
	}
	return sw
}

// report writes the started cameras' statuses once their work is applied.
func (e *simEdge) report(ctx context.Context, started <-chan startWork) {
	for {
		var sw startWork
		select {
		case <-ctx.Done():
			return
		case sw = <-started:
		}
		for e.agent.Owner().Epoch < sw.epoch {
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		for _, c := range sw.cameras {
			st := bus.CameraStatus{Site: c.Site, Camera: c.ID, State: bus.Online, Codec: "h264", Width: 640, Height: 360,
				FPS: 5, Mode: bus.ModeIdle, Time: bus.Now()}
			for ctx.Err() == nil {
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				err := e.agent.PutStatus(pctx, st)
				cancel()
				if err == nil {
					break
				}
			}
		}
	}
}

// counts are the edge's starts and stops so far and what it pulls.
func (e *simEdge) counts() (starts, stops, pulling int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.starts, e.stops, len(e.pulling)
}

// stop ends the agent as a SIGTERM would (it withdraws its heartbeat).
func (e *simEdge) stop() { e.cancel(); <-e.done }

// backboneJS is a test's own nats.go view of the cluster.
func backboneJS(t *testing.T, urls string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	return js
}

// bucketKeys reads every key and value of a bucket now.
func bucketKeys(t *testing.T, js jetstream.JetStream, bucket string) map[string]jetstream.KeyValueEntry {
	t.Helper()
	out, err := readBucket(js, bucket, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readBucket is bucketKeys returning its error, for a read that may be
// tried again (right after a node's death, while streams elect leaders).
func readBucket(js jetstream.JetStream, bucket string, within time.Duration) (map[string]jetstream.KeyValueEntry, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		return nil, err
	}
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	out := map[string]jetstream.KeyValueEntry{}
	for e := range w.Updates() {
		if e == nil {
			return out, nil
		}
		out[e.Key()] = e
	}
	return nil, fmt.Errorf("watch of %s ended", bucket)
}

// placement is camera → edge from argus-assign, and each edge's revision.
func placement(t *testing.T, js jetstream.JetStream) (owner map[string]string, revs map[string]uint64) {
	t.Helper()
	owner, revs = map[string]string{}, map[string]uint64{}
	for edge, e := range bucketKeys(t, js, fleet.BucketAssign) {
		var as fleet.Assignment
		if err := json.Unmarshal(e.Value(), &as); err != nil {
			t.Fatalf("assignment of %s: %v", edge, err)
		}
		for _, c := range as.Cameras {
			if prev, dup := owner[c]; dup {
				t.Fatalf("camera %s assigned to %s and %s", c, prev, edge)
			}
			owner[c] = edge
		}
		revs[edge] = e.Revision()
	}
	return owner, revs
}

// eventually fails the test unless cond holds within the time given,
// saying why it did not at the last check.
func eventually(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	var why string
	if !peers.Eventually(within, func() (ok bool) { ok, why = cond(); return ok }) {
		t.Fatalf("%s: not after %s: %s", what, within, why)
	}
}

// apiCameras lists every camera of /api/cameras (paged).
func apiCameras(t *testing.T, httpURL, token string) []cameraRow {
	t.Helper()
	var out []cameraRow
	cursor := ""
	for {
		var page struct {
			Items []cameraRow
			Next  string
		}
		if st := call(t, "GET", httpURL+"/api/cameras?limit=500&cursor="+cursor, token, nil, &page); st != http.StatusOK {
			t.Fatalf("/api/cameras: %d", st)
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out
		}
		cursor = page.Next
	}
}

// cameraRow is an item of /api/cameras.
type cameraRow struct {
	Camera    string `json:"camera"`
	Site      string `json:"site"`
	State     string `json:"state"`
	OwnerEdge string `json:"owner_edge"`
	Epoch     uint64 `json:"epoch"`
}

// edgeRow is an item of /api/edges.
type edgeRow struct {
	Edge     string         `json:"edge"`
	State    string         `json:"state"`
	Capacity *float64       `json:"capacity"`
	Fleet    *fleetEdgeView `json:"fleet"`
}

type fleetEdgeView struct {
	Live     bool    `json:"live"`
	Capacity float64 `json:"capacity"`
	Drained  bool    `json:"drained"`
	Assigned int     `json:"assigned"`
	Epoch    uint64  `json:"epoch"`
}

func apiEdges(t *testing.T, httpURL, token string) map[string]edgeRow {
	t.Helper()
	var out struct{ Items []edgeRow }
	if st := call(t, "GET", httpURL+"/api/edges?brief=1", token, nil, &out); st != http.StatusOK {
		t.Fatalf("/api/edges: %d", st)
	}
	m := map[string]edgeRow{}
	for _, e := range out.Items {
		m[e.Edge] = e
	}
	return m
}

// allOwned checks that /api/cameras lists exactly the cameras of owner,
// online, each with the owner edge argus-assign gives it.
func allOwned(t *testing.T, httpURL, token string, owner map[string]string) (bool, string) {
	cams := apiCameras(t, httpURL, token)
	if len(cams) != len(owner) {
		return false, fmt.Sprintf("%d cameras listed, %d assigned", len(cams), len(owner))
	}
	for _, c := range cams {
		if c.State != bus.Online || c.OwnerEdge != owner[c.Camera] {
			return false, fmt.Sprintf("camera %s: %s on %s, assigned to %s", c.Camera, c.State, c.OwnerEdge, owner[c.Camera])
		}
	}
	return true, ""
}

// importCSV registers cameras through POST /api/cameras/import as token's user.
func importCSV(t *testing.T, httpURL, token, csv string) {
	t.Helper()
	req, _ := http.NewRequest("POST", httpURL+"/api/cameras/import", strings.NewReader(csv))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d", resp.StatusCode)
	}
}

// districtCSV is n cameras over sites of perSite: site-00/cam-0000, ….
func districtCSV(n, perSite int) (string, []string) {
	var b strings.Builder
	b.WriteString("id,site,name,main\n")
	var ids []string
	for i := range n {
		id := fmt.Sprintf("cam-%04d", i)
		fmt.Fprintf(&b, "%s,site-%02d,Camera %d,rtsp://10.0.%d.%d/stream\n", id, i/perSite, i, i/250, i%250+1)
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return b.String(), ids
}
