package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/gateway/config"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/sfu"
	"github.com/argus-edge/argus/gateway/store"
)

// Real: the SFU with the gateway's stream authorizer and audit, over HTTP,
// the SQLite store (sessions and audit).
// An operator of riverside may play a riverside camera with its session
// token (the SFU then looks for an uplink: 404 here, no edge), gets 403 on
// a hillside camera; a config token still works; every try is audited.
func TestWHEPBySession(t *testing.T) {
	h, _ := bcrypt.GenerateFromPassword([]byte("river password"), bcrypt.MinCost)
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	auth := login.NewAuth(login.AuthOptions{Store: st,
		Users: []store.User{{Name: "river-op", Role: store.RoleOperator, Sites: []string{"riverside"}, PasswordHash: string(h)}}})
	_, sess, err := auth.Login(context.Background(), "192.0.2.1", "river-op", "river password")
	if err != nil {
		t.Fatal(err)
	}
	site := func(cam string) (string, bool) {
		s, ok := map[string]string{"river-cam": "riverside", "hill-cam": "hillside"}[cam]
		return s, ok
	}
	owner := func(string) (string, bool) { return "edge-a", true }
	last := func() store.AuditEntry {
		p, err := st.AuditLog(context.Background(), store.AuditQuery{Limit: 1})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("audit log: %v", err)
		}
		return p.Items[0]
	}
	grants := map[string]sfu.Grant{"viewer-token-0123456789": {Role: sfu.RoleViewer, Sites: []string{"*"}, Name: "wall-screen"}}
	s, err := sfu.New(sfu.Options{Auth: streamAuth(grants, auth, site, owner), Site: site,
		Audit: auditViews(zerolog.Nop(), st, site), UDPAddr: "127.0.0.1:0", Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	whep := func(cam, token string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/whep/"+cam, strings.NewReader("v=0\r\n"))
		req.Header.Set("Content-Type", "application/sdp")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := whep("hill-cam", sess.Token); st != 403 {
		t.Fatalf("riverside operator on a hillside camera: %d, want 403", st)
	}
	if a := last(); a.Who != "river-op" || a.Action != "stream.view" || a.Status != 403 || a.Site != "hillside" || a.Object != "hill-cam" {
		t.Fatalf("audit %+v", a)
	}
	if st := whep("river-cam", sess.Token); st == 401 || st == 403 {
		t.Fatalf("riverside operator on a riverside camera refused: %d", st)
	}
	if st := whep("hill-cam", "viewer-token-0123456789"); st == 401 || st == 403 {
		t.Fatalf("config viewer token refused: %d", st)
	}
	if st := whep("hill-cam", "not-a-session-or-token"); st != 401 {
		t.Fatalf("unknown bearer: %d, want 401", st)
	}
	if a := last(); a.Who != "anonymous" || a.Status != 401 {
		t.Fatalf("audit %+v", a)
	}
}

// The demo config parses, and its users' hashes are of the passwords that
// deploy/demo.sh prints, with the roles and sites it says.
func TestDemoConfig(t *testing.T) {
	for _, v := range []string{"ARGUS_DEMO_EDGE_TOKEN", "ARGUS_DEMO_VIEWER_TOKEN", "ARGUS_DEMO_RIVERSIDE_TOKEN",
		"ARGUS_DEMO_EDGE_BUS_PASSWORD", "ARGUS_DEMO_BUS_PASSWORD", "ARGUS_DEMO_METRICS_TOKEN", "ARGUS_EDGE_TOKEN"} {
		t.Setenv(v, "demo-token-0123456789-"+v)
	}
	cfg, err := config.LoadConfig("../configs/gateway-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("../deploy/demo.sh")
	if err != nil {
		t.Fatal(err)
	}
	// The demo edge logs in to the bus as its own edge user, whose
	// password variable demo.sh sets and whose credentials it prints.
	edge, err := configs.Load("../configs/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var bu *config.BusUser
	for i := range cfg.Bus.Users {
		if cfg.Bus.Users[i].Name == edge.MQTT.Username {
			bu = &cfg.Bus.Users[i]
		}
	}
	if bu == nil || bu.Role != config.BusRoleEdge || bu.Edge != edge.Edge.ID || edge.MQTT.PasswordEnv != "ARGUS_DEMO_EDGE_BUS_PASSWORD" {
		t.Fatalf("the demo edge %q logs in as %q (password in %s); the gateway's bus user is %+v",
			edge.Edge.ID, edge.MQTT.Username, edge.MQTT.PasswordEnv, bu)
	}
	// The edge's :9100 token and the gateway's /metrics token too.
	if edge.Edge.HTTPTokenEnv == "" || cfg.MetricsToken == "" {
		t.Errorf("the demo edge's http_token_env %q, the gateway's metrics token set %v: want both", edge.Edge.HTTPTokenEnv, cfg.MetricsToken != "")
	}
	for _, v := range []string{"ARGUS_DEMO_EDGE_BUS_PASSWORD", "ARGUS_DEMO_BUS_PASSWORD", edge.Edge.HTTPTokenEnv, "ARGUS_DEMO_METRICS_TOKEN"} {
		if !strings.Contains(string(script), "export "+v+"=") || !strings.Contains(string(script), "$"+v) {
			t.Errorf("demo.sh does not set and print %s", v)
		}
	}
	// "  chief         / demo-commander  commander, every site"
	line := regexp.MustCompile(`(?m)^  ([a-z-]+) +/ (demo-[a-z]+) +(\w+), (.*)$`)
	printed := line.FindAllStringSubmatch(string(script), -1)
	if len(printed) != 4 || len(cfg.Users) != 4 {
		t.Fatalf("demo.sh prints %d logins, the config has %d users", len(printed), len(cfg.Users))
	}
	for _, p := range printed {
		var u *store.User
		for i := range cfg.Users {
			if cfg.Users[i].Name == p[1] {
				u = &cfg.Users[i]
			}
		}
		if u == nil || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(p[2])) != nil || u.Role != p[3] {
			t.Errorf("printed login %q does not match the config's user %+v", p[0], u)
			continue
		}
		if wantAll := strings.Contains(p[4], "every site"); wantAll != (u.Sites[0] == "*") {
			t.Errorf("%s: sites %v, demo.sh says %q", u.Name, u.Sites, p[4])
		}
	}
	if cfg.WallMinSeverity != "high" || cfg.Store.Path != "var/gateway.db" {
		t.Errorf("config %+v", cfg)
	}
}

// hash-password hashes a line from stdin and refuses a short password.
func TestHashPassword(t *testing.T) {
	var out strings.Builder
	if err := hashPassword(strings.NewReader("a long enough password\n"), &out); err != nil {
		t.Fatal(err)
	}
	h := strings.TrimSpace(out.String())
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("a long enough password")) != nil || strings.Contains(h, "password") {
		t.Fatalf("hash %q", h)
	}
	if err := hashPassword(strings.NewReader("short\n"), io.Discard); err == nil {
		t.Fatal("short password accepted")
	}
}

// Real: the gateway's run with a config. /api/ needs a session, the SFU's
// /api/relays/{camera} (edges ask their viewer count there) a bearer
// token, /metrics the scrape token (before the fix it answered anybody:
// the "/metrics, nobody" row failed); the console and /healthz are open.
func TestGatewayRoutes(t *testing.T) {
	t.Setenv("T_METRICS", metricsSecret)
	httpURL, _, _ := startGateway(t, "metrics: {token_env: T_METRICS}\n")
	for _, c := range []struct {
		path, token string
		want        int
		has         string
	}{
		{"/metrics", "", 401, "needs the scrape token"},
		{"/metrics", "wrong-token-0123456789", 401, "no session"},
		{"/metrics", viewerSecret, 401, "no session"},
		{"/metrics", metricsSecret, 200, "go_goroutines"},
		{"/api/me", "", 401, "no session"},
		{"/api/me", metricsSecret, 401, "no session"},
		{"/api/relays/river-cam", "", 401, "bearer"},
		{"/", "", 200, "<html"},
		{"/healthz", "", 200, "ok"},
	} {
		req, _ := http.NewRequest(http.MethodGet, httpURL+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(bufio.NewReader(resp.Body))
		resp.Body.Close()
		if resp.StatusCode != c.want || !strings.Contains(strings.ToLower(string(b)), strings.ToLower(c.has)) {
			t.Errorf("GET %s (token %t): %d %.200s, want %d with %q", c.path, c.token != "", resp.StatusCode, b, c.want, c.has)
		}
	}
}

// metricsSecret is the /metrics scrape token of the tests that name T_METRICS.
const metricsSecret = "metrics-secret-for-tests"
