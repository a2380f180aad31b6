package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/rulesets"
	"github.com/argus-edge/argus/gateway/store"
)

// ruleDoc is the demo's rule set of site (configs/rules) as version.
func ruleDoc(t testing.TB, site string, version int) string {
	t.Helper()
	b, err := os.ReadFile("../../configs/rules/" + site + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), "\nversion: 1\n", fmt.Sprintf("\nversion: %d\n", version), 1)
	if doc == string(b) && version != 1 {
		t.Fatalf("%s.yaml has no version: 1 line", site)
	}
	return doc
}

// Real in these tests: the API's handlers and middleware, gateway/login
// (bcrypt, sessions, throttle) and gateway/access (the permission table),
// the SQLite store (a temp file), the rule workflow (gateway/rulesets,
// seeded from configs/rules, publishing on a real mosquitto) and HTTP over
// loopback (httptest). Simulated: the catalog, wall and handling
// (fakes_test.go), and the clock where a test moves it.

// password is every test user's password: "<name> password".
func password(name string) string { return name + " password" }

// testUsers: one of each role scoped to riverside, and two of every site.
var testUsers = []struct{ name, role, site string }{
	{"river-cmd", store.RoleCommander, "riverside"},
	{"river-pilot", store.RolePilot, "riverside"},
	{"river-op", store.RoleOperator, "riverside"},
	{"river-admin", store.RoleAdmin, "riverside"},
	{"hill-cmd", store.RoleCommander, "hillside"},
	{"chief", store.RoleCommander, "*"},
	{"root", store.RoleAdmin, "*"},
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     testing.TB
	srv   *httptest.Server
	api   *Server
	st    store.Store
	rules *rulesets.Service
	mqtt  string // the broker the rule sets are published on
	wall  *wall
	clk   *clock
	log   *peers.LogBuffer
}

// jpeg is a tiny stand-in snapshot (its bytes are only passed through).
var jpeg = []byte("\xff\xd8\xff\xe0 snapshot \xff\xd9")

func newEnv(t testing.TB, tune ...func(*Options)) *env {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, wall: &wall{}, log: &peers.LogBuffer{},
		clk: &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}}
	var users []store.User
	for _, u := range testUsers {
		h, _ := bcrypt.GenerateFromPassword([]byte(password(u.name)), bcrypt.MinCost)
		users = append(users, store.User{Name: u.name, Role: u.role, Sites: []string{u.site}, PasswordHash: string(h)})
	}
	auth := login.NewAuth(login.AuthOptions{Users: users, Store: e.st, TTL: time.Hour, Now: e.clk.now})
	cat := &catalog{
		cams: []bus.CameraStatus{
			{Camera: "hill-top", Site: "hillside", Edge: "edge-b", State: "online"},
			{Camera: "river-bank", Site: "riverside", Edge: "edge-b", State: "offline"},
			{Camera: "river-gate", Site: "riverside", Edge: "edge-a", State: "online"},
		},
		edges: []bus.EdgeStatus{{Edge: "edge-a", State: "online", Cameras: []string{"river-gate"}},
			{Edge: "edge-b", State: "online", Cameras: []string{"hill-top", "river-bank"}, CamerasOnline: 1}},
	}
	for _, a := range []bus.Anomaly{
		{ID: "a-river", Site: "riverside", Camera: "river-gate", Kind: "person", Severity: "high", FrameTime: bus.At(e.clk.now().Add(-time.Minute))},
		{ID: "a-hill", Site: "hillside", Camera: "hill-top", Kind: "fire", Severity: "critical", FrameTime: bus.At(e.clk.now().Add(-2 * time.Minute))},
	} {
		a.Seq, a.Edge, a.State, a.Snapshot, a.PublishedAt = 1, "edge-a", bus.StateStart, jpeg, a.FrameTime
		if _, _, _, err := st.PutAnomaly(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	e.wall.entries = []store.WallEntry{{Camera: "hill-top", Site: "hillside", Anomaly: "a-hill", Reason: "fire"}}
	broker := peers.Mosquitto(t)
	e.mqtt = broker.URL()
	pub := rulesets.PahoPublisher(peers.MQTTClient(t, e.mqtt, fmt.Sprintf("api-test-%p", e)), 10*time.Second)
	e.rules = rulesets.New(st, pub, zerolog.New(e.log))
	if err := e.rules.Seed(context.Background(), "../../configs/rules"); err != nil {
		t.Fatal(err)
	}
	h := &handling{st: e.st}
	opts := Options{Auth: auth, Store: e.st, Cameras: cat, Rules: e.rules, Wall: e.wall, Handling: h, RuleConflict: rulesets.ErrConflict,
		Now: e.clk.now, Log: zerolog.New(e.log)}
	for _, f := range tune {
		f(&opts)
	}
	e.api = New(opts)
	e.wall.onChange, h.onChange = e.api.PublishWall, e.api.PublishAnomaly
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(e.srv.Close)
	return e
}

// login returns the bearer token of a test user.
func (e *env) login(name string) string {
	e.t.Helper()
	resp, body := e.do("POST", "/api/login", "", map[string]string{"user": name, "password": password(name)})
	if resp.StatusCode != 200 {
		e.t.Fatalf("login %s: %d %s", name, resp.StatusCode, body)
	}
	var out struct{ Token string }
	json.Unmarshal(body, &out)
	return out.Token
}

// do sends a JSON request (body nil: none; a string: sent as YAML) with a bearer token.
func (e *env) do(method, path, token string, body any) (*http.Response, []byte) {
	e.t.Helper()
	req := e.request(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

func (e *env) request(method, path string, body any) *http.Request {
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/yaml"
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	return req
}

func (e *env) send(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// lastAudit is the newest audit entry.
func (e *env) lastAudit() store.AuditEntry {
	p, err := e.st.AuditLog(context.Background(), store.AuditQuery{Limit: 1})
	if err != nil || len(p.Items) == 0 {
		e.t.Fatalf("no audit entry: %v", err)
	}
	return p.Items[0]
}
