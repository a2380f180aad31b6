package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// gatewayProc is one run of the gateway binary; its log lines are kept.
type gatewayProc struct {
	cmd  *exec.Cmd
	log  peers.LogBuffer
	done chan struct{}
}

// startBinary runs bin with args and env until the test ends (or it is
// killed) and waits until it logs "gateway ready" (edges admitted).
func startBinary(t *testing.T, bin string, env []string, args ...string) *gatewayProc {
	t.Helper()
	p := &gatewayProc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.cmd.Process.Signal(syscall.SIGTERM); <-p.done })
	if !p.log.Await(`"gateway ready"`, 20*time.Second) {
		t.Fatalf("gateway not ready in 20s:\n%s", p.log.String())
	}
	return p
}

// appliedIDs are the anomaly ids p logged as stored ("anomaly" lines), in order.
func (p *gatewayProc) appliedIDs() []string { return appliedIn(p.log.String()) }

// appliedIn are the anomaly ids a gateway log shows stored, in order.
func appliedIn(log string) []string {
	var ids []string
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var ev struct{ Message, ID string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Message == "anomaly" {
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

// Real: the gateway binary (go build), its embedded NATS node with
// JetStream on disk and its SQLite store; an edge's busclient.Client (disk queue,
// QoS 1, retrying) logged in as edge-1, publishing anomaly starts at a
// steady rate on three cameras. Simulated: the crash, as SIGKILL of the
// gateway mid-stream, then a restart on the same directories. Every
// anomaly is in the store afterwards, and each camera's were stored in
// the order the edge sent them.
func TestNoAnomalyLostWhenTheGatewayIsKilled(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gateway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	config := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(config, []byte(fmt.Sprintf(`bus:
  users:
    - {name: edge-1, role: edge, edge: edge-1, sites: [riverside], password_env: EDGE_1_BUS}
store: {path: %s}
`, filepath.Join(dir, "gateway.db"))), 0o600)
	const password = "edge-1-bus-secret"
	env := []string{"EDGE_1_BUS=" + password}
	mqttPort := peers.FreePort(t)
	args := []string{"-config", config, "-mqtt", fmt.Sprintf("127.0.0.1:%d", mqttPort), "-nats", "127.0.0.1:0",
		"-http", "127.0.0.1:0", "-webrtc-udp", "127.0.0.1:0", "-bus-store", filepath.Join(dir, "nats"), "-log-format", "json"}
	first := startBinary(t, bin, env, args...)

	edge, err := busclient.New(busclient.Options{Broker: fmt.Sprintf("tcp://127.0.0.1:%d", mqttPort), Edge: "edge-1",
		Username: "edge-1", Password: password, QueueDir: filepath.Join(dir, "queue"), Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer edge.Close()
	const n = 600 // 200 per camera, one every 10 ms
	cameras := []string{"gate", "yard", "dock"}
	var sent sync.WaitGroup
	sent.Add(1)
	go func() {
		defer sent.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := range n {
			<-tick.C
			cam := cameras[i%len(cameras)]
			now := bus.Now()
			a := bus.Anomaly{ID: fmt.Sprintf("%s-%04d", cam, i/len(cameras)), Site: "riverside", Camera: cam, Kind: bus.KindPerson,
				State: bus.StateStart, Severity: "low", Score: 0.8, FrameTime: now, PublishedAt: now}
			if err := edge.PublishAnomaly(a); err != nil {
				t.Error(err)
			}
		}
	}()

	if !first.log.AwaitFunc(func(log string) bool { return len(appliedIn(log)) >= n/4 }, 30*time.Second) {
		t.Fatalf("fewer than %d anomalies stored in 30s", n/4)
	}
	first.cmd.Process.Kill() // SIGKILL: no shutdown of the node, the store or the follower
	<-first.done
	killedAt := len(first.appliedIDs())
	second := startBinary(t, bin, env, args...)
	sent.Wait()

	st, err := store.Open(context.Background(), "sqlite", filepath.Join(dir, "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stored map[string]bool
	peers.Eventually(60*time.Second, func() bool { stored = storedIDs(t, st); return len(stored) >= n }) // asserted below, id by id
	t.Logf("killed after %d anomalies stored; %d stored in all", killedAt, len(stored))
	for i := range n {
		if id := fmt.Sprintf("%s-%04d", cameras[i%len(cameras)], i/len(cameras)); !stored[id] {
			t.Errorf("%s lost", id)
		}
	}
	if len(stored) != n {
		t.Fatalf("%d anomalies in the store, want %d", len(stored), n)
	}
	// Each camera's anomalies were stored in the order sent (the "anomaly"
	// lines of both runs, in order; a redelivered one is not logged again).
	last := map[string]string{}
	for _, id := range append(first.appliedIDs(), second.appliedIDs()...) {
		cam := id[:strings.IndexByte(id, '-')]
		if id <= last[cam] {
			t.Fatalf("camera %s: %s stored after %s", cam, id, last[cam])
		}
		last[cam] = id
	}
	for _, p := range []*gatewayProc{first, second} {
		log := p.log.String()
		if strings.Contains(log, password) {
			t.Fatal("the bus password is in the gateway's log")
		}
		// The follower's session is in place before the edge may log in.
		follow, admit := strings.Index(log, `"following anomalies"`), strings.Index(log, `"bus users admitted"`)
		if follow < 0 || admit < follow {
			t.Fatalf("edges admitted (at %d) before the alert follower subscribed (at %d)", admit, follow)
		}
	}
}

// storedIDs are the ids of every anomaly in st.
func storedIDs(t *testing.T, st store.Store) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for q := (store.AnomalyQuery{Limit: 500}); ; {
		page, err := st.Anomalies(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Items {
			ids[a.ID] = true
		}
		if q.Cursor = page.Next; q.Cursor == "" {
			return ids
		}
	}
}
