package config

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/gateway/incidents"
)

func hashOf(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestParseConfig(t *testing.T) {
	h := hashOf(t, "correct horse battery")
	file := `tokens:
  - {name: edge-demo, role: edge, sites: ["*"], edge: edge-demo, token_env: EDGE_TOK}
users:
  - {name: chief, role: commander, sites: ["*"], password_hash: "` + h + `"}
  - {name: river-op, role: operator, sites: [riverside], password_hash: "` + h + `"}
store: {driver: sqlite, path: /tmp/x.db}
retention: {anomalies: 240h, snapshots: 0s}
wall: {min_severity: critical}
incidents: {window: 5m, flap_window: 4m, area_distance_m: 500, outage_cameras: 20}
sessions: {ttl: 2h}
ice_servers:
  - urls: ["stun:stun.example.net"]
  - {urls: ["turn:turn.example.net?transport=udp"], username: argus, credential_env: TURN_PASS}
`
	c, err := ParseConfig("g.yaml", []byte(file), env(map[string]string{"EDGE_TOK": "0123456789abcdef-edge", "TURN_PASS": "turn-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Grants) != 1 || len(c.Users) != 2 || c.Users[1].Role != "operator" || c.Users[1].Sites[0] != "riverside" {
		t.Fatalf("config %+v", c)
	}
	if c.Store != (StoreConfig{Driver: "sqlite", Path: "/tmp/x.db"}) {
		t.Errorf("store %+v", c.Store)
	}
	if c.Retention.Anomalies != 240*time.Hour || c.Retention.Snapshots != 0 || c.Retention.Audit != DefaultRetention.Audit {
		t.Errorf("retention %+v", c.Retention)
	}
	if c.WallMinSeverity != "critical" || c.SessionTTL != 2*time.Hour {
		t.Errorf("wall %q ttl %s", c.WallMinSeverity, c.SessionTTL)
	}
	if r := c.Incidents; r.Window != 5*time.Minute || r.FlapWindow != 4*time.Minute || r.StableAfter != 4*time.Minute ||
		r.AreaDistance != 500 || r.OutageCameras != 20 || r.FlapCount != 3 {
		t.Errorf("incidents %+v", c.Incidents)
	}
	if ice := c.ICEServers; len(ice) != 2 || ice[0].URLs[0] != "stun:stun.example.net" || ice[1].Username != "argus" || ice[1].Credential != "turn-secret" {
		t.Errorf("ice servers %+v", c.ICEServers)
	}
}

// A file of tokens only (the former -tokens file) gets every default.
func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig("g.yaml", []byte("tokens:\n  - {name: e, role: edge, sites: [\"*\"], edge: e, token_env: T}\n"),
		env(map[string]string{"T": "0123456789abcdef"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Driver != DriverSQLite || c.Store.Path != DefaultStorePath || c.WallMinSeverity != "high" ||
		c.SessionTTL != 12*time.Hour || c.Retention != DefaultRetention || c.Incidents != incidents.DefaultRules {
		t.Fatalf("defaults %+v", c)
	}
}

// Every problem at once as file:line: field: message, never quoting a hash or a DSN.
func TestParseConfigProblems(t *testing.T) {
	const dsn = "postgres://argus:pg-secret@db/argus"
	const file = `users:
  - name: a
    role: superuser
    sites: [riverside]
    password_hash: plain-text-password
  - name: b
    role: pilot
    sites: []
    password_hash: ""
    password: hunter2
store:
  driver: postgres
  path: var/x.db
  dsn_env: PG_UNSET
retention:
  audit: -5h
wall:
  min_severity: severe
sessions:
  ttl: 10s
colour: blue
incidents: {window: 0s, flap_count: 0, area_distance_m: -1}
ice_servers:
  - urls: ["turn:turn.example.net"]
    username: argus
    credential_env: TURN_UNSET
  - urls: ["turn:argus:turn-pw@turn.example.net"]
`
	_, err := ParseConfig("g.yaml", []byte(file), env(map[string]string{"PG": dsn}))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		`g.yaml:3: users[0].role: "superuser" is not one of commander, pilot, operator, admin`,
		`g.yaml:5: users[0].password_hash: not a bcrypt hash`,
		`g.yaml:8: users[1].sites: missing`,
		`g.yaml:9: users[1].password_hash: missing`,
		`g.yaml:10: users[1].password: unknown field`,
		`g.yaml:13: store.path: only driver sqlite uses a path`,
		`g.yaml:14: store.dsn_env: environment variable PG_UNSET is not set`,
		`g.yaml:16: retention.audit: -5h0m0s is negative`,
		`g.yaml:18: wall.min_severity: "severe" is not one of`,
		`g.yaml:20: sessions.ttl: 10s: want between 1m and 720h`,
		`g.yaml:21: colour: unknown field`,
		`g.yaml:22: incidents.window: 0s: want a duration of at least 1s`,
		`g.yaml:22: incidents.flap_count: 0: want 1 or more`,
		`g.yaml:22: incidents.area_distance_m: -1: want metres above 0`,
		`g.yaml:26: ice_servers[0].credential_env: environment variable TURN_UNSET is not set`,
		`g.yaml:27: ice_servers[1].urls[0]: holds credentials`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{"plain-text-password", "hunter2", "pg-secret", "turn-pw"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error shows a secret %q:\n%s", secret, msg)
		}
	}
}

func TestParseConfigPostgres(t *testing.T) {
	const dsn = "postgres://argus:pg-secret@db/argus"
	c, err := ParseConfig("g.yaml", []byte("users:\n  - {name: a, role: admin, sites: [\"*\"], password_hash: \""+hashOf(t, "x")+"\"}\nstore: {driver: postgres, dsn_env: PG}\n"),
		env(map[string]string{"PG": dsn}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.Driver != DriverPostgres || c.Store.DSN != dsn || c.Store.Path != "" {
		t.Fatalf("store %+v", c.Store)
	}
}

func TestParseConfigEmpty(t *testing.T) {
	_, err := ParseConfig("g.yaml", []byte("store: {driver: sqlite}\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "no tokens, no users") {
		t.Fatalf("got %v", err)
	}
}
