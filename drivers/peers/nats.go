package peers

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsVersion is the nats-server release go.mod pins as a tool.
const natsVersion = "v2.15.3"

// NATS is a cluster of real nats-server processes on loopback with
// JetStream, for tests that kill and restart nodes.
type NATS struct {
	t     testing.TB
	bin   string
	nodes []*natsNode
}

type natsNode struct {
	mu     sync.Mutex
	conf   string
	port   int
	mqtt   int // MQTT port; 0 without the listener
	cmd    *exec.Cmd
	exited <-chan struct{}
}

// NATSCluster starts n nats-server nodes (the module's own binary, built
// once per machine into the user cache) on 127.0.0.1: JetStream on disk in
// the test's temp dir, one cluster with routes to every node, unique
// server names, request_queue_limit 200000 (DESIGN.md). It returns once
// JetStream can place streams on every node; the nodes are killed when
// the test ends.
func NATSCluster(t testing.TB, n int) *NATS {
	t.Helper()
	return NATSClusterWith(t, n, NATSOptions{})
}

// NATSOptions add listeners to a NATSCluster.
type NATSOptions struct {
	// MQTT opens an MQTT listener on every node (streams replicated on
	// every node, as a district's), for paho clients and drivers/busclient.
	MQTT bool
	// JSAPITimeout is mqtt's js_api_timeout (nats-server's default, 5 s,
	// when empty): DESIGN.md weighs it against reconnect times.
	JSAPITimeout string
}

// NATSClusterWith is NATSCluster with the listeners of o.
func NATSClusterWith(t testing.TB, n int, o NATSOptions) *NATS {
	t.Helper()
	c := &NATS{t: t, bin: natsBinary(t)}
	dir := t.TempDir()
	ports, cports := make([]int, n), make([]int, n)
	for i := range n {
		ports[i], cports[i] = FreePort(t), FreePort(t)
	}
	var routes []string
	for _, p := range cports {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	for i := range n {
		node := &natsNode{port: ports[i], conf: filepath.Join(dir, fmt.Sprintf("n%d.conf", i))}
		if o.MQTT {
			node.mqtt = FreePort(t)
		}
		conf := fmt.Sprintf(`server_name: n%d
listen: 127.0.0.1:%d
jetstream {
  store_dir: %q
  request_queue_limit: 200000
}
`, i, ports[i], filepath.Join(dir, fmt.Sprintf("js%d", i)))
		if n > 1 {
			conf += fmt.Sprintf(`cluster {
  name: argus-test
  listen: 127.0.0.1:%d
  routes: [%s]
}
`, cports[i], strings.Join(routes, ", "))
		}
		if o.MQTT {
			conf += fmt.Sprintf("mqtt {\n  listen: 127.0.0.1:%d\n  stream_replicas: %d\n", node.mqtt, n)
			if o.JSAPITimeout != "" {
				conf += fmt.Sprintf("  js_api_timeout: %q\n", o.JSAPITimeout)
			}
			conf += "}\n"
		}
		if err := os.WriteFile(node.conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, node)
	}
	t.Cleanup(func() {
		for i := range c.nodes {
			c.Kill(i)
		}
	})
	for i := range c.nodes {
		c.start(i)
	}
	c.WaitJetStream()
	return c
}

// URLs are the client URLs of every node, for nats.Connect.
func (c *NATS) URLs() string {
	var us []string
	for _, n := range c.nodes {
		us = append(us, fmt.Sprintf("nats://127.0.0.1:%d", n.port))
	}
	return strings.Join(us, ",")
}

// MQTTURL is node i's MQTT listener for paho ("tcp://127.0.0.1:port");
// it fails the test when the cluster has none (NATSOptions.MQTT).
func (c *NATS) MQTTURL(i int) string {
	if c.nodes[i].mqtt == 0 {
		c.t.Fatalf("nats n%d: no MQTT listener (NATSOptions.MQTT)", i)
	}
	return fmt.Sprintf("tcp://127.0.0.1:%d", c.nodes[i].mqtt)
}

// URL is node i's client URL alone.
func (c *NATS) URL(i int) string { return fmt.Sprintf("nats://127.0.0.1:%d", c.nodes[i].port) }

// Kill ends node i with SIGKILL, as a crash would, and waits for it.
func (c *NATS) Kill(i int) {
	n := c.nodes[i]
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		n.cmd.Process.Kill()
		<-n.exited
		n.cmd = nil
	}
}

// Restart starts node i again on its ports and store, after Kill.
func (c *NATS) Restart(i int) {
	c.t.Helper()
	c.start(i)
}

func (c *NATS) start(i int) {
	c.t.Helper()
	n := c.nodes[i]
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		c.t.Fatalf("nats n%d: start while running", i)
	}
	cmd := exec.Command(c.bin, "-c", n.conf)
	n.exited = daemon(c.t, cmd, fmt.Sprintf("nats n%d", i), "Server is ready", 30*time.Second)
	n.cmd = cmd
}

// WaitJetStream returns once JetStream can place a stream with a replica
// on every node, failing the test after 30 s.
func (c *NATS) WaitJetStream() {
	c.t.Helper()
	nc, err := nats.Connect(c.URLs())
	if err != nil {
		c.t.Fatalf("nats: connect: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		c.t.Fatal(err)
	}
	// A stream with a replica on every node is placed only once the meta
	// leader knows every peer; until then creation fails ("no suitable
	// peers for placement").
	probe := jetstream.StreamConfig{Name: "peers-probe", Subjects: []string{"peers.probe"}, Replicas: len(c.nodes)}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.CreateOrUpdateStream(ctx, probe)
		if err == nil {
			err = js.DeleteStream(ctx, probe.Name)
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("nats: JetStream not ready after 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var natsBuild sync.Mutex

// natsBinary builds the pinned nats-server once per machine into the user
// cache (go build of the tool go.mod pins; warm, the build cache makes it
// a matter of seconds) and returns its path.
func natsBinary(t testing.TB) string {
	t.Helper()
	natsBuild.Lock()
	defer natsBuild.Unlock()
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "argus")
	bin := filepath.Join(dir, "nats-server-"+natsVersion)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Another package's test binary may build at the same time: each
	// builds to its own name and renames, which is atomic.
	tmp := fmt.Sprintf("%s.%d", bin, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, "github.com/nats-io/nats-server/v2")
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// moduleRoot is the directory of the go.mod that pins nats-server.
func moduleRoot(t testing.TB) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
