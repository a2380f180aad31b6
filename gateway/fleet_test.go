package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/fleet"
	"github.com/argus-edge/argus/drivers/peers"
)

// Real: a 3-node nats-server cluster (processes, JetStream replicas 3,
// MQTT listeners), the gateway's run in external-backbone mode (store,
// API, assigner, inventory sync, status reader, filter), fleet.Agents
// (heartbeats, assignments) and paho. Simulated: the edges' pulls (the
// agents run in this process; each started camera gets an online status
// in argus-status, as a real edge writes it).
//
// 1,000 cameras imported as CSV reach argus-cameras; an edit and a delete
// follow; four edges get every camera once; /api/cameras shows them online
// with their owner edges and /api/edges the assignment counts; a stale
// owner's status and anomaly are dropped; a restarted gateway moves
// nothing; a drained edge is emptied and, undrained in the console's Edges
// view (Chromium, as the admin), takes a share again.
func TestFleetGatewayOnACluster(t *testing.T) {
	c := peers.NATSClusterWith(t, 3, peers.NATSOptions{MQTT: true})
	js := backboneJS(t, c.URLs())
	config := writeConfig(t, consoleUsers(t))
	gw := startFleetGateway(t, c, "gw-1", config, "-drone-pins", "drone-1=edge-3")
	root := loginAs(t, gw.http, "root")

	csv, ids := districtCSV(1000, 100)
	importCSV(t, gw.http, root, csv)
	eventually(t, 20*time.Second, "1,000 cameras in argus-cameras", func() (bool, string) {
		n := len(bucketKeys(t, js, fleet.BucketCameras))
		return n == 1000, fmt.Sprintf("%d keys", n)
	})
	spec := cameraSpec(t, js, "cam-0042")
	if spec.Site != "site-00" || spec.Main != "rtsp://10.0.0.43/stream" || spec.Name != "Camera 42" {
		t.Fatalf("cam-0042 in argus-cameras: %+v", spec)
	}

	// An operator's edit and delete reach the bucket.
	edit := map[string]any{"id": "cam-0042", "site": "site-00", "name": "Camera 42", "main": "rtsp://10.9.9.9/moved", "password_env": "CAM42_PASSWORD"}
	if st := call(t, "PUT", gw.http+"/api/cameras/cam-0042", root, edit, nil); st != http.StatusOK {
		t.Fatalf("edit: %d", st)
	}
	if st := call(t, "DELETE", gw.http+"/api/cameras/cam-0999", root, nil, nil); st != http.StatusOK && st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
	eventually(t, 10*time.Second, "the edit and the delete in argus-cameras", func() (bool, string) {
		keys := bucketKeys(t, js, fleet.BucketCameras)
		_, deleted := keys["cam-0999"]
		s := cameraSpec(t, js, "cam-0042")
		return !deleted && s.Main == "rtsp://10.9.9.9/moved" && s.PasswordEnv == "CAM42_PASSWORD",
			fmt.Sprintf("cam-0999 still there: %v; cam-0042: %+v", deleted, s)
	})
	if raw := cameraRaw(t, js, "cam-0042"); strings.Contains(raw, "password\":") {
		t.Fatalf("a credential value in argus-cameras: %s", raw)
	}
	ids = ids[:999]

	edges := map[string]*simEdge{}
	for i := 1; i <= 4; i++ {
		id := fmt.Sprintf("edge-%d", i)
		edges[id] = startSimEdge(t, c.URLs(), id, 300)
	}
	var owner map[string]string
	eventually(t, 30*time.Second, "999 cameras placed and online with their owners", func() (bool, string) {
		owner, _ = placement(t, js)
		if len(owner) != len(ids) {
			return false, fmt.Sprintf("%d placed", len(owner))
		}
		return allOwned(t, gw.http, root, owner)
	})
	drones := droneOwners(t, js)
	if drones["drone-1"] != "edge-3" {
		t.Fatalf("drone-1 pinned to edge-3 is on %q", drones["drone-1"])
	}
	assertEdgeCounts(t, gw.http, root, owner, drones, edges)

	// The gateway restarts (the assigner with it): nothing moves.
	_, revs := placement(t, js)
	before := startsStops(edges)
	gw.stop()
	gw = startFleetGateway(t, c, "gw-1", config, "-drone-pins", "drone-1=edge-3")
	root = loginAs(t, gw.http, "root")
	eventually(t, 30*time.Second, "the new gateway leads and placed once", func() (bool, string) {
		m := metricsOf(t, gw.http)
		return m["argus_fleet_assigner_leading"] == 1 && m["argus_fleet_placements_total"] >= 1, fmt.Sprint(m)
	})
	eventually(t, 20*time.Second, "statuses complete after the restart", func() (bool, string) { return allOwned(t, gw.http, root, owner) })
	if _, after := placement(t, js); fmt.Sprint(after) != fmt.Sprint(revs) {
		t.Fatalf("the restart rewrote assignments: %v, before %v", after, revs)
	}
	if after := startsStops(edges); after != before {
		t.Fatalf("the restart started or stopped pulls: %v, before %v", after, before)
	}

	// Drain edge-1: its cameras move to the others; undrained, it takes a share again.
	var drained struct{ Drained bool }
	if st := call(t, "POST", gw.http+"/api/edges/edge-1/drain", root, nil, &drained); st != http.StatusOK || !drained.Drained {
		t.Fatalf("drain: %d %+v", st, drained)
	}
	eventually(t, 30*time.Second, "edge-1 drained, its cameras online elsewhere", func() (bool, string) {
		owner, _ = placement(t, js)
		for cam, e := range owner {
			if e == "edge-1" {
				return false, cam + " still on edge-1"
			}
		}
		if _, _, n := edges["edge-1"].counts(); n != 0 {
			return false, fmt.Sprintf("edge-1 pulls %d", n)
		}
		if len(owner) != len(ids) {
			return false, fmt.Sprintf("%d placed", len(owner))
		}
		return allOwned(t, gw.http, root, owner)
	})
	if e := apiEdges(t, gw.http, root)["edge-1"]; e.Fleet == nil || !e.Fleet.Drained || e.Fleet.Assigned != 0 {
		t.Fatalf("/api/edges after the drain: %+v", e.Fleet)
	}
	staleStatusAndAnomalyDropped(t, c, js, gw, root, owner, revs)
	undrainInTheConsole(t, gw.http, "edge-1")
	eventually(t, 30*time.Second, "edge-1 takes cameras again", func() (bool, string) {
		_, _, n := edges["edge-1"].counts()
		return n > 0, "edge-1 pulls none"
	})
	var audit struct {
		Items []struct{ Action, Object string }
	}
	call(t, "GET", gw.http+"/api/audit?limit=500", root, nil, &audit)
	seen := map[string]bool{}
	for _, a := range audit.Items {
		if a.Object == "edge-1" {
			seen[a.Action] = true
		}
	}
	if !seen["edge.drain"] || !seen["edge.undrain"] {
		t.Fatalf("drain and undrain not audited: %v", seen)
	}
}

// staleStatusAndAnomalyDropped, after edge-1's drain: for a camera that
// moved off edge-1, edge-1 (its previous owner) writes a status, and its
// new owner replays one of an epoch before it got the camera (its
// assignment's revision before the drain, in before); anomalies from both
// follow. None shows; the markers written after them do (so they were
// read, and dropped).
func staleStatusAndAnomalyDropped(t *testing.T, c *peers.NATS, js jetstream.JetStream, gw *fleetGateway, root string, owner map[string]string, before map[string]uint64) {
	t.Helper()
	victim, marker, wrong := "", "", "edge-1"
	for _, id := range slices.Sorted(maps.Keys(owner)) {
		switch {
		case victim == "" && statusOf(t, js, id).Epoch > before[owner[id]]:
			victim = id // moved in the drain: owned since after before
		case marker == "":
			marker = id
		}
	}
	if victim == "" {
		t.Fatal("no camera moved in the drain")
	}
	right, oldEpoch := owner[victim], before[owner[victim]]
	cur := statusOf(t, js, victim)
	stale := cur
	stale.Edge, stale.State, stale.Reason = wrong, bus.Offline, "forged by a stale owner"
	putStatus(t, js, stale)
	old := cur
	old.Epoch, old.State, old.Reason = oldEpoch, bus.Offline, "an earlier ownership"
	putStatus(t, js, old)
	mark := statusOf(t, js, marker)
	mark.Reason = "marker" // same owner and epoch: accepted
	putStatus(t, js, mark)
	eventually(t, 10*time.Second, "the marker status", func() (bool, string) {
		var cam struct{ Reason string }
		call(t, "GET", gw.http+"/api/cameras/"+marker, root, nil, &cam)
		return cam.Reason == "marker", "reason " + cam.Reason
	})
	var cam cameraRow
	call(t, "GET", gw.http+"/api/cameras/"+victim, root, nil, &cam)
	if cam.State != bus.Online || cam.OwnerEdge != right {
		t.Fatalf("a stale status showed: %+v (owner %s)", cam, right)
	}

	// The bucket's last value of the victim is now the stale one: its owner
	// writes its status again (a real edge does at its next status), so a
	// new reader finds the current one.
	cur.Time = bus.Now()
	putStatus(t, js, cur)

	pub := peers.MQTTClient(t, c.MQTTURL(1), "test-anomalies")
	an := func(id, edge string, epoch uint64, camera string) {
		a := bus.Anomaly{ID: id, Seq: 1, Site: "site-00", Camera: camera, Edge: edge, Kind: "fire", State: bus.StateStart,
			Severity: "low", Score: 0.9, FrameTime: bus.Now(), PublishedAt: bus.Now(), Owner: bus.Owner{Epoch: epoch}}
		b, _ := json.Marshal(a)
		if tok := pub.Publish(bus.AnomalyTopic(a.Site, a.Camera), 1, false, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %s: %v", id, tok.Error())
		}
	}
	an("stale-edge", wrong, cur.Epoch, victim)
	an("stale-epoch", right, oldEpoch, victim)
	an("standalone", "edge-solo", 0, victim) // no epoch: a standalone edge, taken as today
	an("current", right, cur.Epoch, victim)
	eventually(t, 10*time.Second, "the current owner's anomaly stored", func() (bool, string) {
		return call(t, "GET", gw.http+"/api/anomalies/current", root, nil, nil) == http.StatusOK, "not yet"
	})
	for id, want := range map[string]int{"stale-edge": 404, "stale-epoch": 404, "standalone": 200} {
		if st := call(t, "GET", gw.http+"/api/anomalies/"+id, root, nil, nil); st != want {
			t.Fatalf("anomaly %s: %d, want %d", id, st, want)
		}
	}
	if m := metricsOf(t, gw.http); m["argus_gateway_camera_statuses_stale_total"] < 2 {
		t.Fatalf("stale statuses counted: %v", m["argus_gateway_camera_statuses_stale_total"])
	}
	if m := metricsOf(t, gw.http); m[`argus_gateway_anomalies_rejected_total{reason="stale_owner"}`] != 2 {
		t.Fatalf("stale anomalies counted: %v", m[`argus_gateway_anomalies_rejected_total{reason="stale_owner"}`])
	}
}

// assertEdgeCounts checks /api/edges: every edge live with its capacity
// and the number of cameras and drones argus-assign gives it.
func assertEdgeCounts(t *testing.T, httpURL, token string, owner, drones map[string]string, edges map[string]*simEdge) {
	t.Helper()
	per := map[string]int{}
	for _, e := range owner {
		per[e]++
	}
	for _, e := range drones {
		per[e]++
	}
	got := apiEdges(t, httpURL, token)
	for id := range edges {
		e := got[id]
		if e.Fleet == nil || !e.Fleet.Live || e.Fleet.Assigned != per[id] || e.Capacity == nil || *e.Capacity != 300 {
			t.Fatalf("/api/edges %s: %+v (capacity %v), want %d assigned", id, e.Fleet, e.Capacity, per[id])
		}
		if per[id] == 0 {
			t.Fatalf("edge %s got no camera", id)
		}
	}
}

func startsStops(edges map[string]*simEdge) string {
	out := ""
	for i := 1; i <= len(edges); i++ {
		s, p, n := edges[fmt.Sprintf("edge-%d", i)].counts()
		out += fmt.Sprintf("%d/%d/%d ", s, p, n)
	}
	return out
}

func cameraRaw(t *testing.T, js jetstream.JetStream, id string) string {
	t.Helper()
	kv, err := js.KeyValue(context.Background(), fleet.BucketCameras)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("%s in argus-cameras: %v", id, err)
	}
	return string(e.Value())
}

func cameraSpec(t *testing.T, js jetstream.JetStream, id string) fleet.CameraSpec {
	t.Helper()
	var s fleet.CameraSpec
	if err := json.Unmarshal([]byte(cameraRaw(t, js, id)), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func statusOf(t *testing.T, js jetstream.JetStream, id string) bus.CameraStatus {
	t.Helper()
	kv, _ := js.KeyValue(context.Background(), fleet.BucketStatus)
	e, err := kv.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("status of %s: %v", id, err)
	}
	var cs bus.CameraStatus
	if err := json.Unmarshal(e.Value(), &cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

func putStatus(t *testing.T, js jetstream.JetStream, cs bus.CameraStatus) {
	t.Helper()
	kv, _ := js.KeyValue(context.Background(), fleet.BucketStatus)
	b, _ := json.Marshal(cs)
	if _, err := kv.Put(context.Background(), cs.Camera, b); err != nil {
		t.Fatal(err)
	}
}

// metricsOf reads the gateway's /metrics as name{labels} → value.
func metricsOf(t *testing.T, httpURL string) map[string]float64 {
	t.Helper()
	// /metrics answers the scrape token or an admin's session: root's here.
	req, _ := http.NewRequest(http.MethodGet, httpURL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+loginAs(t, httpURL, "root"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics as admin: %d", resp.StatusCode)
	}
	out := map[string]float64{}
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		var v float64
		fmt.Sscan(line[i+1:], &v)
		out[line[:i]] = v
	}
	return out
}

// undrainInTheConsole signs in as root in Chromium, finds edge's row in
// the Edges view marked drained, and clicks its Undrain button.
func undrainInTheConsole(t *testing.T, httpURL, edge string) {
	t.Helper()
	ctx := peers.Chromium(t)
	tid := func(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }
	button := `[data-testid="edge-drain"][data-edge="` + edge + `"]`
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Navigate(httpURL+"/"), chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(tid("login-user"), "root"), chromedp.SendKeys(tid("login-password"), "root password"),
		chromedp.Click(tid("login-submit")), chromedp.WaitVisible(tid("nav-edges")),
		chromedp.Navigate(httpURL+"/#/edges"), chromedp.WaitVisible(chromedp.CSS(button))); err != nil {
		t.Fatalf("the Edges view: %v", err)
	}
	cell := `document.querySelector('[data-testid="edge-row"][data-edge="` + edge + `"] [data-testid="edge-fleet"]')`
	if got := peers.Eval[string](t, ctx, cell+`.dataset.drained + ' ' + document.querySelector('`+button+`').textContent`); got != "true Undrain" {
		t.Fatalf("%s in the Edges view: %q, want drained with an Undrain button", edge, got)
	}
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS(button))); err != nil {
		t.Fatalf("click Undrain: %v", err)
	}
}

// droneOwners is drone → edge from argus-assign.
func droneOwners(t *testing.T, js jetstream.JetStream) map[string]string {
	t.Helper()
	out := map[string]string{}
	for edge, e := range bucketKeys(t, js, fleet.BucketAssign) {
		var as fleet.Assignment
		json.Unmarshal(e.Value(), &as)
		for _, d := range as.Drones {
			out[d] = edge
		}
	}
	return out
}
