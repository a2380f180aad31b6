package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// Real: two gateway processes (this package's binary) joined as replicas
// gw-a and gw-b to one nats-server node (a process, with its MQTT
// listener) and one PostgreSQL store, each following the anomalies on a
// persistent MQTT session of its own, so both receive every anomaly and
// either may win its write. Simulated: the edge (a paho client publishing
// fire anomalies as the detectors would) and the cameras, registered
// through the API with their locations. The wall is the grouping
// replica's: one tile per incident.
//
// One real event is one incident: fire on two cameras 200 m apart is one
// incident with two members, a third camera 5 km away its own, and one
// replica alone logs that it took the grouping lead. The leading replica
// is then killed and the fire's next anomaly published at once, before
// the other replica can hold the lead: that one takes the lead, groups
// what it kept meanwhile, and the anomaly joins the same incident.
func TestIncidentsTwoReplicasGroupOnce(t *testing.T) {
	dir := t.TempDir()
	gwBin := filepath.Join(dir, "gateway")
	if out, err := exec.Command("go", "build", "-o", gwBin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := peers.NATSClusterWith(t, 1, peers.NATSOptions{MQTT: true})
	dsn := peers.Postgres(t)
	config := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(config, []byte("store: {driver: postgres, dsn_env: T_STORE_DSN}\n"+consoleUsers(t)), 0o600)
	gw := map[string]*gatewayProc{}
	url := map[string]string{}
	for _, id := range []string{"gw-a", "gw-b"} {
		addr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
		url[id] = "http://" + addr
		gw[id] = startBinary(t, gwBin, []string{"T_STORE_DSN=" + dsn}, "-backbone", c.URLs(), "-mqtt-broker", c.MQTTURL(0), "-backbone-user", "",
			"-backbone-replicas", "1", "-id", id, "-http", addr, "-webrtc-udp", "127.0.0.1:0", "-config", config, "-log-format", "json")
	}
	t.Cleanup(func() {
		if t.Failed() {
			for id, p := range gw {
				t.Logf("%s log:\n%s", id, p.log.String())
			}
		}
	})
	for id, p := range gw {
		if !p.log.Await(`"following anomalies"`, 20*time.Second) {
			t.Fatalf("%s not following anomalies after 20s", id)
		}
	}
	root := loginAs(t, url["gw-a"], "root")
	importCSV(t, url["gw-a"], root, fmt.Sprintf("id,site,main,lat,lon\nfire-a,hillside,rtsp://10.0.0.9/a,30,120\nfire-b,hillside,rtsp://10.0.0.9/b,%f,120\nfire-far,hillside,rtsp://10.0.0.9/far,%f,120\n",
		30+200.0/111195, 30+5000.0/111195))

	pub := peers.MQTTClient(t, c.MQTTURL(0), "edge-fire")
	fire := func(id, camera string) {
		now := bus.Now()
		for seq, state := range []string{bus.StateStart, bus.StateUpdate} {
			publishAnomaly(t, pub, bus.Anomaly{ID: id, Seq: uint64(seq + 1), Site: "hillside", Camera: camera, Edge: "edge-demo", Kind: bus.KindFire,
				State: state, Severity: "critical", Score: 0.9, FrameTime: now, PublishedAt: now})
		}
	}
	fire("f-1", "fire-a")
	fire("f-2", "fire-b")
	fire("f-3", "fire-far")
	grouped := func(on, what string, counts map[string]int) {
		t.Helper()
		eventually(t, 20*time.Second, what, func() (bool, string) {
			var page store.Page[store.Incident]
			call(t, "GET", url[on]+"/api/incidents?site=hillside&kind=fire", root, nil, &page)
			got := map[string]int{}
			for _, inc := range page.Items {
				got[strings.Join(inc.Cameras, "+")] = inc.Count
			}
			return fmt.Sprint(got) == fmt.Sprint(counts), fmt.Sprintf("incidents by cameras %v", got)
		})
	}
	grouped("gw-b", "one incident for fire-a and fire-b, one for fire-far", map[string]int{"fire-a+fire-b": 2, "fire-far": 1})
	// The shared wall is the grouping replica's: one tile per incident,
	// whichever replica stored each anomaly (fire-b's fire is no more
	// severe than fire-a's).
	eventually(t, 10*time.Second, "the wall: fire-a and fire-far", func() (bool, string) {
		var wall struct{ Items []store.WallEntry }
		call(t, "GET", url["gw-b"]+"/api/wall", root, nil, &wall)
		var tiles []string
		for _, w := range wall.Items {
			tiles = append(tiles, w.Camera)
		}
		slices.Sort(tiles)
		return fmt.Sprint(tiles) == "[fire-a fire-far]", fmt.Sprintf("wall %v", tiles)
	})
	leader := ""
	for id, p := range gw {
		if strings.Contains(p.log.String(), `"took the grouping lead"`) {
			if leader != "" {
				t.Fatalf("both replicas took the grouping lead")
			}
			leader = id
		}
	}
	if leader == "" {
		t.Fatal("no replica logged that it took the grouping lead")
	}
	other := map[string]string{"gw-a": "gw-b", "gw-b": "gw-a"}[leader]
	t.Logf("%s groups; killing it", leader)
	gw[leader].cmd.Process.Kill() // its database connection, and the lead, go with it
	<-gw[leader].done
	fire("f-4", "fire-b")
	root = loginAs(t, url[other], "root")
	grouped(other, "the fire's next anomaly in the same incident, grouped by "+other, map[string]int{"fire-a+fire-b": 3, "fire-far": 1})
	if !strings.Contains(gw[other].log.String(), `"took the grouping lead"`) {
		t.Fatalf("%s grouped without taking the lead", other)
	}
}
