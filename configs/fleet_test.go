package configs

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// fleetBase is a valid fleet edge: no sites, no cameras.
const fleetBase = `edge:
  id: edge-7
mqtt:
  broker: tls://nats-0:8883
  username: edge-7
  password_env: ARGUS_BUS_PASSWORD
  ca_file: /etc/argus/ca.pem
fleet:
  nats: [tls://nats-0:4222, tls://nats-1:4222, tls://nats-2:4222]
  capacity: 300
  ca_file: /etc/argus/ca.pem
`

func TestParseFleetEdge(t *testing.T) {
	e, err := Parse("t.yaml", []byte(fleetBase))
	if err != nil {
		t.Fatal(err)
	}
	f := e.Fleet
	if f == nil || len(f.NATS) != 3 || f.Capacity != 300 || f.CAFile != "/etc/argus/ca.pem" {
		t.Fatalf("fleet %+v", f)
	}
	if !slices.Equal(f.Sites, []string{"*"}) || f.Fence.D() != 2*time.Second {
		t.Fatalf("defaults: sites %v fence %s, want [*] 2s", f.Sites, f.Fence)
	}
	if !f.ServesSite("anything") {
		t.Fatal(`sites ["*"] does not serve a site`)
	}
	e, err = Parse("t.yaml", []byte(fleetBase+"  sites: [quay, plant]\n  fence: 1500ms\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !e.Fleet.ServesSite("quay") || e.Fleet.ServesSite("river") || e.Fleet.Fence.D() != 1500*time.Millisecond {
		t.Fatalf("fleet %+v", e.Fleet)
	}
	if e, _ := Parse("t.yaml", []byte(base)); e.Fleet != nil {
		t.Fatal("a standalone config has a fleet section")
	}
}

func TestParseFleetProblems(t *testing.T) {
	rep := func(old, new string) string { return strings.Replace(fleetBase, old, new, 1) }
	cases := []struct {
		name  string
		yaml  string
		line  int
		field string
		msg   string
	}{
		{"cameras with fleet", fleetBase + "sites: [{id: s1}]\ncameras:\n  - {id: c1, site: s1, main: rtsp://h/x}\n", 13, "cameras",
			"must be empty with fleet: a fleet edge pulls the cameras the gateway assigns it"},
		{"no nats", rep("  nats: [tls://nats-0:4222, tls://nats-1:4222, tls://nats-2:4222]\n", ""), 8, "fleet.nats", "is required"},
		{"nats scheme", rep("tls://nats-1:4222", "http://nats-1:4222"), 9, "fleet.nats[1]", `scheme "http" is not nats or tls`},
		{"nats no host", rep("tls://nats-1:4222", "nats-1"), 9, "fleet.nats[1]", `"nats-1" is not a NATS URL`},
		{"nats credentials", rep("tls://nats-1:4222", "tls://edge:hunter2@nats-1:4222"), 9, "fleet.nats[1]", "holds credentials"},
		{"capacity missing", rep("  capacity: 300\n", ""), 8, "fleet.capacity", "0 is not in (0, 1000000]"},
		{"capacity negative", rep("capacity: 300", "capacity: -5"), 10, "fleet.capacity", "-5 is not in (0, 1000000]"},
		{"star among sites", fleetBase + "  sites: [quay, \"*\"]\n", 12, "fleet.sites[1]", `"*" already means every site`},
		{"site id", fleetBase + "  sites: [Quay]\n", 12, "fleet.sites[0]", `"Quay" is not a valid id`},
		{"fence too long", fleetBase + "  fence: 3s\n", 12, "fleet.fence", "3s is not between 1s (the heartbeat period) and 3s (the heartbeat TTL)"},
		{"fence too short", fleetBase + "  fence: 1s\n", 12, "fleet.fence", "1s is not between 1s"},
		{"no broker", strings.Replace(rep("  broker: tls://nats-0:8883\n", ""), "  ca_file: /etc/argus/ca.pem\n", "", 1), 3, "mqtt.broker", "is required with fleet"},
		{"no user", rep("  username: edge-7\n", ""), 3, "mqtt.username", "is required with fleet"},
		{"no password", rep("  password_env: ARGUS_BUS_PASSWORD\n", ""), 3, "mqtt.password_env", "is required with fleet"},
		{"unknown key", fleetBase + "  capacty: 3\n", 12, "fleet.capacty", "unknown"},
		{"username and username_env", rep("  username: edge-7\n", "  username: edge-7\n  username_env: BUS_USER\n"), 6, "mqtt.username_env", "exclude each other"},
		{"username_env name", rep("  username: edge-7\n", "  username_env: bus user\n"), 5, "mqtt.username_env", "is not an environment variable name"},
		{"password_env and password_file", rep("  password_env: ARGUS_BUS_PASSWORD\n", "  password_env: ARGUS_BUS_PASSWORD\n  password_file: /run/secrets/bus\n"), 7, "mqtt.password_file", "exclude each other"},
		{"ca_file on a plain broker", rep("tls://nats-0:8883", "tcp://nats-0:1883"), 7, "mqtt.ca_file", "is for a TLS broker"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml))
			wantProblem(t, err, tc.line, tc.field, tc.msg)
			if strings.Contains(tc.yaml, "hunter2") && strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error echoes the password:\n%v", err)
			}
		})
	}
}

// ParseAs puts the id given (a pod's name) in place of edge.id, and the
// default queue dir follows it; a queue dir written in the file stays.
func TestParseAsOverridesID(t *testing.T) {
	e, err := ParseAs("t.yaml", []byte(fleetBase), "edge-3")
	if err != nil {
		t.Fatal(err)
	}
	if e.Edge.ID != "edge-3" || e.MQTT.QueueDir != "var/edge-3/queue" {
		t.Fatalf("id %q queue %q, want edge-3 var/edge-3/queue", e.Edge.ID, e.MQTT.QueueDir)
	}
	e, err = ParseAs("t.yaml", []byte(strings.Replace(fleetBase, "  ca_file: /etc/argus/ca.pem\nfleet", "  queue_dir: /data/queue\nfleet", 1)), "edge-3")
	if err != nil {
		t.Fatal(err)
	}
	if e.MQTT.QueueDir != "/data/queue" {
		t.Fatalf("queue %q, want the one written", e.MQTT.QueueDir)
	}
	_, err = ParseAs("t.yaml", []byte(fleetBase), "Edge 3")
	wantProblem(t, err, 2, "edge.id", `"Edge 3" is not a valid id`)
}

// The password file's final newline (as kubectl create secret --from-file
// leaves it) is not part of the password.
func TestMQTTPasswordFile(t *testing.T) {
	f := t.TempDir() + "/password"
	os.WriteFile(f, []byte("s3cret-bus-password\n"), 0o600)
	if p, err := (MQTT{PasswordFile: f}).Password(); err != nil || p != "s3cret-bus-password" {
		t.Fatalf("Password = %q, %v", p, err)
	}
	if _, err := (MQTT{PasswordFile: f + ".missing"}).Password(); err == nil || !strings.Contains(err.Error(), "mqtt.password_file") {
		t.Fatalf("missing file: %v", err)
	}
}

// The Kubernetes overlay's edge config (deploy/, a module of its own that
// cannot load it) is one this package accepts, under a pod's name.
func TestKubernetesEdgeConfigLoads(t *testing.T) {
	e, err := LoadAs("../deploy/kubernetes/base/edge/edge.yaml", "argus-edge-0")
	if err != nil {
		t.Fatal(err)
	}
	if e.Fleet == nil || e.Edge.ID != "argus-edge-0" || e.MQTT.PasswordFile == "" {
		t.Fatalf("edge %+v", e)
	}
}

func TestMQTTUserFromEnv(t *testing.T) {
	t.Setenv("ARGUS_TEST_BUS_USER", "edge-9")
	if u, err := (MQTT{UsernameEnv: "ARGUS_TEST_BUS_USER"}).User(); err != nil || u != "edge-9" {
		t.Fatalf("User = %q, %v", u, err)
	}
	if u, err := (MQTT{Username: "edge-1"}).User(); err != nil || u != "edge-1" {
		t.Fatalf("User = %q, %v", u, err)
	}
	if _, err := (MQTT{UsernameEnv: "ARGUS_TEST_UNSET_BUS_USER"}).User(); err == nil || !strings.Contains(err.Error(), "ARGUS_TEST_UNSET_BUS_USER is not set") {
		t.Fatalf("unset variable: %v", err)
	}
}

// The shipped fleet example loads, and the real-cameras example shows a
// fleet section in comments.
func TestFleetExamples(t *testing.T) {
	e, err := Load("fleet-edge.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if e.Fleet == nil || len(e.Fleet.NATS) != 3 || len(e.Cameras) != 0 {
		t.Fatalf("fleet %+v, %d cameras", e.Fleet, len(e.Cameras))
	}
	if e, err = LoadAs("fleet-edge.example.yaml", "edge-12"); err != nil || e.Edge.ID != "edge-12" {
		t.Fatalf("LoadAs: %v", err)
	}
	data, err := os.ReadFile("example-real.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# fleet:", "#   nats: [", "#   capacity:"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("example-real.yaml lacks %q", want)
		}
	}
}
