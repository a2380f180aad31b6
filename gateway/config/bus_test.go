package config

import (
	"slices"
	"strings"
	"testing"
)

func TestParseBus(t *testing.T) {
	file := `bus:
  store_dir: /tmp/nats
  users:
    - {name: gw, role: gateway, password_env: GW_PW}
    - {name: edge-demo, role: edge, edge: edge-demo, sites: ["*"], drones: ["*"], password_env: EDGE_PW}
    - {name: river, role: edge, edge: edge-river, sites: [riverside, harbour], password_env: RIVER_PW}
`
	c, err := ParseConfig("g.yaml", []byte(file), env(map[string]string{
		"GW_PW": "gateway-secret-123", "EDGE_PW": "edge-demo-secret-1", "RIVER_PW": "river-secret-12345"}))
	if err != nil {
		t.Fatal(err)
	}
	b := c.Bus
	if b.StoreDir != "/tmp/nats" || len(b.Users) != 3 || b.CertFile != "" {
		t.Fatalf("bus %+v", b)
	}
	if u := b.Users[2]; u.Role != BusRoleEdge || u.Edge != "edge-river" || !slices.Equal(u.Sites, []string{"riverside", "harbour"}) || u.Password != "river-secret-12345" {
		t.Fatalf("user %+v", u.Name)
	}
	if d := Defaults().Bus.StoreDir; d != DefaultBusStoreDir {
		t.Fatalf("default store dir %q", d)
	}
}

func TestParseBusProblems(t *testing.T) {
	const file = `bus:
  tls: {cert_file: /nonexistent/cert.pem}
  users:
    - {name: argus-gateway, role: gateway, password_env: GW_PW}
    - {name: gw, role: gateway, sites: [riverside], password_env: GW_PW}
    - {name: e1, role: edge, sites: [], password_env: SHORT}
    - {name: e2, role: edge, edge: Edge.2, sites: ["*", riverside], drones: ["d/1"], password_env: UNSET}
    - {name: e3, role: edge, edge: e3, sites: [riverside], password_env: ""}
    - {name: e4, role: edge, edge: e3, sites: [riverside], password_env: GW_PW, password: hunter2}
    - {name: e5, role: root, password_env: GW_PW}
    - {name: e6, role: gateway, password_env: LONG}
`
	_, err := ParseConfig("g.yaml", []byte(file), env(map[string]string{"GW_PW": "gateway-secret-123", "SHORT": "tiny-secret", "LONG": strings.Repeat("long-secret-", 7)}))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		`g.yaml:2: bus.tls: name both cert_file and key_file`,
		`g.yaml:4: bus.users[0].name: "argus-gateway" is the gateway's own login`,
		`g.yaml:5: bus.users[1].sites: only role edge`,
		`g.yaml:6: bus.users[2].edge: missing`,
		`g.yaml:6: bus.users[2].sites: missing`,
		`g.yaml:6: bus.users[2].password_env: environment variable SHORT holds 11 bytes, want at least 16`,
		`g.yaml:7: bus.users[3].edge: id "Edge.2"`,
		`g.yaml:7: bus.users[3].sites: "*" already covers every site`,
		`g.yaml:7: bus.users[3].drones[0]: "d/1" is not a drone id`,
		`g.yaml:7: bus.users[3].password_env: environment variable UNSET is not set`,
		`g.yaml:8: bus.users[4].password_env: missing`,
		`g.yaml:9: bus.users[5].edge: edge "e3" already has the login "e3"`,
		`g.yaml:9: bus.users[5].password: unknown field`,
		`g.yaml:10: bus.users[6].role: "root" is not one of gateway, edge`,
		`g.yaml:11: bus.users[7].password_env: environment variable LONG holds 84 bytes, want at most 72`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{"gateway-secret-123", "tiny-secret", "hunter2"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error shows a secret %q:\n%s", secret, msg)
		}
	}
}
