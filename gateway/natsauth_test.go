package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"golang.org/x/crypto/bcrypt"
)

// gateway nats-auth writes an authorization block that nats-server's own
// config reader loads: every bus user, a bcrypt hash of its password (the
// password itself nowhere), and its role's grants.
func TestNATSAuthLoadsInNATSServer(t *testing.T) {
	config := writeConfig(t, `bus:
  users:
    - {name: gw, role: gateway, password_env: T_NA_GW}
    - {name: edge-1, role: edge, edge: edge-1, sites: [north], password_env: T_NA_EDGE}
`)
	t.Setenv("T_NA_GW", "gateway-secret-123456")
	t.Setenv("T_NA_EDGE", "edge-secret-456789")
	var out, errs bytes.Buffer
	if err := natsAuth([]string{"-config", config}, &out, &errs); err != nil {
		t.Fatalf("nats-auth: %v (%s)", err, errs.String())
	}
	if s := out.String(); strings.Contains(s, "gateway-secret-123456") || strings.Contains(s, "edge-secret-456789") {
		t.Fatalf("a password in the output:\n%s", s)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "auth.conf"), out.Bytes(), 0o600)
	conf := filepath.Join(dir, "nats.conf")
	os.WriteFile(conf, []byte("listen: 127.0.0.1:-1\ninclude \"auth.conf\"\n"), 0o600)
	opts, err := server.ProcessConfigFile(conf)
	if err != nil {
		t.Fatalf("nats-server refuses it: %v\n%s", err, out.String())
	}
	users := map[string]*server.User{}
	for _, u := range opts.Users {
		users[u.Username] = u
	}
	for name, pw := range map[string]string{"gw": "gateway-secret-123456", "edge-1": "edge-secret-456789"} {
		u := users[name]
		if u == nil || bcrypt.CompareHashAndPassword([]byte(u.Password), []byte(pw)) != nil {
			t.Fatalf("user %s: missing or its hash does not match", name)
		}
	}
	edge := users["edge-1"].Permissions
	if !slices.Contains(edge.Publish.Allow, "argus.v1.anomalies.north.*") || slices.Contains(edge.Publish.Allow, "argus.v1.anomalies.south.*") ||
		!slices.Contains(edge.Subscribe.Allow, "argus.v1.commands.edge-1") {
		t.Fatalf("edge-1's grant: %+v %+v", edge.Publish, edge.Subscribe)
	}
	if !slices.Contains(users["gw"].Permissions.Publish.Allow, "$KV.>") {
		t.Fatalf("gw's grant: %+v", users["gw"].Permissions.Publish)
	}
	if err := natsAuth(nil, &out, &errs); err == nil {
		t.Fatal("nats-auth without -config: no error")
	}
}

// The backbone flags: half a backbone is refused, naming what is missing.
func TestBackboneFlagsChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-mqtt-broker", "tcp://a:1883"}, "need -backbone"},
		{[]string{"-backbone", "nats://a:4222"}, "needs -mqtt-broker"},
		{[]string{"-backbone", "nats://a:4222", "-mqtt-broker", "tcp://a:1883", "-backbone-replicas", "7"}, "1 to 5"},
		{[]string{"-backbone", "nats://a:4222", "-mqtt-broker", "tcp://a:1883", "-backbone-password-env", "T_UNSET_BB"}, "empty or unset"},
		{[]string{"-backbone", "nats://a:4222", "-mqtt-broker", "tcp://a:1883", "-backbone-ca", "/nonexistent/ca.pem"}, "-backbone-ca"},
		{[]string{"-drone-pins", "drone-1=edge-1,drone-1=edge-2"}, "pinned twice"},
		{[]string{"-drone-pins", "drone-1"}, "want drone=edge"},
	} {
		f, err := parseFlags(c.args, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		err = f.backbone.check()
		if err == nil && f.backbone.on() {
			_, err = f.backbone.login()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
	if got := redactURLs("nats://u:secret@a:4222,nats://b:4222"); strings.Contains(got, "secret") {
		t.Errorf("redactURLs kept the password: %s", got)
	}
}
