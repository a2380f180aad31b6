package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// The console's users in these tests; the gateway config holds only
// their bcrypt hashes.
const (
	hillSite      = "hillside"
	fireCam       = "hill-fire"
	quietCam      = "hill-quiet"
	riverSite     = "riverside"
	riverCam      = "river-quiet"
	commander     = "cmdr"
	operator      = "op-hill"
	riverOperator = "op-river"
	pilot         = "pilot-1"
	admin         = "root"
	consolePasswd = "e2e-console-password"
)

// startConsoleStack is startStack for the console: the simulator serves a
// fire scene (a flame grows 3 s into a 20 s loop, 1280x720 H.264) and an
// empty one on site hillside; the gateway runs with a config file (edge and
// viewer tokens, a commander of every site, an operator of hillside and one of riverside, a
// SQLite store in the test's directory, the wall taking anomalies of high
// severity and above) and seeds its store with the edge's rule files; the
// edge runs configs/rules/hillside.yaml (version 1, fire is critical) from
// its rules directory. Chromium opens the console from the gateway itself.
func startConsoleStack(t *testing.T, opts ...stackOptions) *stack {
	t.Helper()
	peers.Need(t, "chromium", "chromium")
	st := &stack{cameras: map[string]string{fireCam: "h264", quietCam: "h264", riverCam: "h264"}}
	if len(opts) > 0 {
		st.opts = opts[0]
	}
	st.sim = peers.Sim(t,
		sim.Camera{Path: fireCam, Scene: sim.SceneSpec{Kind: sim.Fire, Width: 1280, Height: 720, FPS: 15}},
		sim.Camera{Path: quietCam, Scene: scene(sim.H264)},
		sim.Camera{Path: riverCam, Scene: scene(sim.H264)})

	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(consolePasswd), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "gateway.yaml")
	write(t, cfg, fmt.Sprintf(`tokens:
  - {name: edge-e2e, role: edge, sites: ["*"], edge: %s, token_env: E2E_EDGE_TOKEN}
  - {name: duty-officer, role: viewer, sites: ["*"], token_env: E2E_VIEWER_TOKEN}
users:
  - {name: %s, role: commander, sites: ["*"], password_hash: %q}
  - {name: %s, role: operator, sites: [%s], password_hash: %q}
  - {name: %s, role: operator, sites: [%s], password_hash: %q}
  - {name: %s, role: pilot, sites: ["*"], password_hash: %q}
  - {name: %s, role: admin, sites: ["*"], password_hash: %q}
store: {driver: sqlite, path: %q}
wall: {min_severity: high}
`+busSection(edgeID, hillSite, riverSite), edgeID, commander, hash, operator, hillSite, hash, riverOperator, riverSite, hash, pilot, hash, admin, hash, filepath.Join(dir, "gateway.db")))
	rules := filepath.Join(dir, "rules")
	if err := os.Mkdir(rules, 0o755); err != nil {
		t.Fatal(err)
	}
	hill, err := os.ReadFile(filepath.Join("..", "..", "configs", "rules", "hillside.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(rules, "hillside.yaml"), string(hill))
	env := []string{"E2E_EDGE_TOKEN=" + edgeToken, "E2E_VIEWER_TOKEN=" + viewerToken, "E2E_EDGE_BUS=" + edgeBusPassword}
	mqttPort, httpPort := peers.FreePort(t), peers.FreePort(t)
	st.gatewayURL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	st.gateway = start(t, "gateway", gatewayBin, env, "-mqtt", fmt.Sprintf("127.0.0.1:%d", mqttPort),
		"-http", fmt.Sprintf("127.0.0.1:%d", httpPort), "-webrtc-udp", "0.0.0.0:0",
		"-nats", "127.0.0.1:0", "-bus-store", filepath.Join(dir, "nats"),
		"-config", cfg, "-rules", rules, "-log-format", "json", "-on-demand-timeout", "20s")
	poll(t, "gateway /healthz", 30*time.Second, func() (bool, string) {
		code, body := get(st.gatewayURL + "/healthz")
		return code == 200, fmt.Sprintf("%d %s", code, body)
	})

	st.startEdgeOn(t, dir, rules, mqttPort, func(camera string) string {
		if camera == riverCam {
			return riverSite // a camera of another site, with no rules there
		}
		return hillSite
	})
	return st
}

// openConsole starts Chromium on the console the gateway serves and signs
// in. An uncaught exception in the page fails the test when it ends.
func openConsole(t *testing.T, st *stack, user, hash string) context.Context {
	t.Helper()
	ctx := peers.Chromium(t)
	var mu sync.Mutex
	var thrown []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				mu.Lock()
				thrown = append(thrown, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range thrown {
			t.Errorf("console page: %s", e)
		}
	})
	if err := chromedp.Do(ctx, chromedp.Navigate(st.gatewayURL+"/"+hash)); err != nil {
		t.Fatalf("chromium: open the console: %v", err)
	}
	do(t, ctx, "sign in as "+user, 30*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-user"]`), user),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), consolePasswd),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)))
	return ctx
}

// do runs browser actions within a time limit.
func do(t testing.TB, ctx context.Context, what string, within time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	dctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	if err := chromedp.Do(dctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// awaitPage waits, in the page (each animation frame), until js is truthy.
func awaitPage(t testing.TB, ctx context.Context, what, js string, within time.Duration) {
	t.Helper()
	do(t, ctx, what, within+5*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(within))(ctx, tg)
		return err
	}))
}

// sel is document.querySelector(s) in page JavaScript.
func sel(s string) string { return "document.querySelector(" + strconv.Quote(s) + ")" }

// click clicks the first element matching a CSS selector.
func click(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	do(t, ctx, "click "+css, 30*time.Second, chromedp.Click(chromedp.CSS(css)))
}

// apiGet calls the gateway's API with the page's session token.
func apiGet(t *testing.T, ctx context.Context, st *stack, path string, v any) {
	t.Helper()
	tok := peers.Eval[string](t, ctx, `sessionStorage.getItem('argus.token') || ''`)
	if code := apiDo(t, st, http.MethodGet, path, tok, "", "", v); code != 200 {
		t.Fatalf("GET %s: %d", path, code)
	}
}

// apiDo sends one request to the gateway with a bearer token and returns
// the status, decoding a 200 answer into v when v is not nil.
func apiDo(t *testing.T, st *stack, method, path, token, ctype, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, st.gatewayURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == 200 && v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// apiLogin signs user in through the API and returns the session token.
func apiLogin(t *testing.T, st *stack, user string) string {
	t.Helper()
	var out struct{ Token string }
	body := fmt.Sprintf(`{"user": %q, "password": %q}`, user, consolePasswd)
	if code := apiDo(t, st, http.MethodPost, "/api/login", "", "application/json", body, &out); code != 200 {
		t.Fatalf("login %s: %d", user, code)
	}
	return out.Token
}

// audited returns "action object status" of every audit entry of who.
func audited(t *testing.T, st *stack, adminToken, who string) map[string]bool {
	t.Helper()
	var page struct {
		Items []struct {
			Action, Object string
			Status         int
		}
	}
	if code := apiDo(t, st, http.MethodGet, "/api/audit?limit=500&who="+who, adminToken, "", "", &page); code != 200 {
		t.Fatalf("audit of %s: %d", who, code)
	}
	seen := map[string]bool{}
	for _, e := range page.Items {
		seen[fmt.Sprintf("%s %s %d", e.Action, e.Object, e.Status)] = true
	}
	return seen
}

// Real gateway, edge, store and Chromium; simulated fire camera. A
// commander signs in: within 30 s the fire anomaly is in the alert feed
// with its snapshot decoded by the browser; acknowledging it is stored
// (read back from the API) and shown with who; the fire camera is on the
// wall by itself (severity critical, nobody pinned it) and its tile
// decodes; clicking the alert opens the camera live and frames decode.
func TestConsoleCommanderSeesFire(t *testing.T) {
	st := startConsoleStack(t)
	ctx := openConsole(t, st, commander, "#/alerts")

	signedIn := time.Now()
	if peers.Eval[bool](t, ctx, sel(`[data-testid="nav-admin"]`)+` !== null`) {
		t.Error("a commander sees the admin view")
	}
	fire := fmt.Sprintf(`[data-testid="alert"][data-camera=%q][data-kind="fire"]`, fireCam)
	awaitPage(t, ctx, "the fire anomaly in the feed", sel(fire)+` !== null`, 30*time.Second)
	t.Logf("fire alert in the feed %.1fs after sign-in (the stack had been up since the edge's cameras came online)", time.Since(signedIn).Seconds())
	id := peers.Eval[string](t, ctx, sel(fire)+`.dataset.id`)
	awaitPage(t, ctx, "its snapshot decoded", sel(fire+` img[data-testid="alert-snapshot"]`)+`?.naturalWidth > 0`, 30*time.Second)
	if sev := peers.Eval[string](t, ctx, sel(fire+` [data-testid="alert-severity"]`)+`.textContent`); sev != "critical" {
		t.Errorf("fire alert severity %q, want critical (configs/rules/hillside.yaml)", sev)
	}

	row := fmt.Sprintf(`[data-testid="alert"][data-id=%q]`, id)
	click(t, ctx, row+` [data-testid="alert-ack"]`)
	awaitPage(t, ctx, "acknowledged in the feed", sel(row+` [data-testid="alert-acked"]`)+`?.textContent.startsWith('acknowledged by cmdr')`, 30*time.Second)
	var rec struct {
		Status         string `json:"status"`
		AcknowledgedBy string `json:"acknowledged_by"`
	}
	apiGet(t, ctx, st, "/api/anomalies/"+id, &rec)
	if rec.Status != "acknowledged" || rec.AcknowledgedBy != commander {
		t.Errorf("stored anomaly %s: status %q by %q, want acknowledged by %s", id, rec.Status, rec.AcknowledgedBy, commander)
	}

	click(t, ctx, `[data-testid="nav-wall"]`)
	tile := fmt.Sprintf(`[data-testid="tile"][data-camera=%q]`, fireCam)
	awaitPage(t, ctx, "the fire camera on the wall", sel(tile)+` !== null`, 30*time.Second)
	if kind := peers.Eval[string](t, ctx, sel(tile+` [data-testid="tile-kind"]`)+`?.textContent || ''`); kind != "fire" {
		t.Errorf("wall tile kind %q, want fire", kind)
	}
	if peers.Eval[bool](t, ctx, sel(tile+` [data-testid="tile-unpin"]`)+` !== null`) {
		t.Error("the fire camera is on the wall as a pin, not by the anomaly")
	}
	in := peers.AwaitDecoding(t, ctx, "wall:"+fireCam, 1280, 720, 60*time.Second)
	t.Logf("wall tile %s decoding: %+v", fireCam, in)

	click(t, ctx, `[data-testid="nav-alerts"]`)
	click(t, ctx, row+` [data-testid="alert-kind"]`)
	in = peers.AwaitDecoding(t, ctx, "live:"+fireCam, 1280, 720, 60*time.Second)
	t.Logf("live panel %s decoding: %+v", fireCam, in)
}

// setRules replaces the console's rule text as typing would (an input event).
func setRules(t *testing.T, ctx context.Context, doc string) {
	t.Helper()
	peers.Eval[bool](t, ctx, fmt.Sprintf(`(() => { const el = %s; el.value = %s; el.dispatchEvent(new Event('input')); return true; })()`,
		sel(`[data-testid="rules-text"]`), strconv.Quote(doc)))
}

// Real gateway, edge, store and Chromium. An operator of hillside edits
// its rules in the console: an unknown kind is refused by Validate with the
// reason beside its line; a valid version 2 runs in shadow (the edge
// applies it as shadow) and is promoted (the edge applies it live); the
// comparison of live and shadow renders.
func TestConsoleOperatorShadowsAndPromotes(t *testing.T) {
	st := startConsoleStack(t)
	ctx := openConsole(t, st, operator, "#/rules")
	awaitPage(t, ctx, "rules view for hillside", sel(`[data-testid="rules-site"]`)+`?.value === 'hillside'`, 30*time.Second)
	awaitPage(t, ctx, "the seeded live version", sel(`[data-testid="rules-live"]`)+`?.dataset.version === '1'`, 30*time.Second)
	if sites := peers.Eval[string](t, ctx, `[...document.querySelectorAll('[data-testid="rules-site"] option')].map((o) => o.value).join(',')`); sites != hillSite {
		t.Errorf("the operator's sites %q, want only %s", sites, hillSite)
	}
	if peers.Eval[bool](t, ctx, sel(`[data-testid="nav-admin"]`)+` !== null`) {
		t.Error("an operator sees the admin view")
	}

	raw, err := os.ReadFile(filepath.Join("..", "..", "configs", "rules", "hillside.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(raw), "version: 1", "version: 2", 1)
	v2 = strings.Replace(v2, "min_duration: 2s, end_after: 5s, update_every: 5s", "min_duration: 1s, end_after: 5s, update_every: 5s", 1)
	bad := strings.Replace(v2, "kind: smoke,", "kind: unicorn,", 1)
	badLine := 1 + strings.Count(bad[:strings.Index(bad, "kind: unicorn")], "\n")

	setRules(t, ctx, bad)
	click(t, ctx, `[data-testid="rules-validate"]`)
	inline := fmt.Sprintf(`[data-testid="rules-inline-problem"][data-line="%d"]`, badLine)
	awaitPage(t, ctx, "the problem beside its line", sel(inline)+` !== null`, 30*time.Second)
	note := peers.Eval[string](t, ctx, sel(inline)+`.textContent`)
	if !strings.Contains(note, "unicorn") {
		t.Errorf("line %d note %q does not name the bad kind", badLine, note)
	}
	t.Logf("invalid rule set: line %d: %s", badLine, note)

	setRules(t, ctx, v2)
	click(t, ctx, `[data-testid="rules-validate"]`)
	awaitPage(t, ctx, "valid", sel(`[data-testid="rules-result"]`)+`.textContent.startsWith('Valid')`, 30*time.Second)
	if n := peers.Eval[int](t, ctx, `document.querySelectorAll('[data-testid="rules-inline-problem"]').length`); n != 0 {
		t.Errorf("%d problems still shown after a valid check", n)
	}
	click(t, ctx, `[data-testid="rules-shadow"]`)
	awaitPage(t, ctx, "version 2 in shadow", sel(`[data-testid="rules-shadow-version"]`)+`?.dataset.version === '2'`, 30*time.Second)
	poll(t, "edge applies version 2 as shadow", 30*time.Second, func() (bool, string) {
		n := len(st.edge.log.events("rule set applied", map[string]string{"site": hillSite, "version": "2", "shadow": "true"}))
		return n > 0, fmt.Sprintf("%d", n)
	})

	click(t, ctx, `[data-testid="rules-promote"]`)
	awaitPage(t, ctx, "version 2 live", sel(`[data-testid="rules-live"]`)+`?.dataset.version === '2'`, 30*time.Second)
	awaitPage(t, ctx, "no shadow left", sel(`[data-testid="rules-shadow-version"]`)+`?.dataset.version === ''`, 30*time.Second)
	poll(t, "edge applies version 2 live", 30*time.Second, func() (bool, string) {
		n := len(st.edge.log.events("rule set applied", map[string]string{"site": hillSite, "version": "2", "shadow": "false"}))
		return n > 0, fmt.Sprintf("%d", n)
	})

	click(t, ctx, `[data-testid="rules-compare"]`)
	awaitPage(t, ctx, "a comparison", sel(`[data-testid="rules-compare-result"] table`)+` !== null`, 30*time.Second)

	// The same operator on another site's rules and stream, a pilot on
	// rules, then the audit of every one of these calls (read by an admin).
	op := peers.Eval[string](t, ctx, `sessionStorage.getItem('argus.token') || ''`)
	if code := apiDo(t, st, http.MethodGet, "/api/sites/"+riverSite+"/rules", op, "", "", nil); code != 403 {
		t.Errorf("operator of %s reading %s's rules: %d, want 403", hillSite, riverSite, code)
	}
	root := apiLogin(t, st, admin)
	poll(t, riverCam+" known to the gateway", 30*time.Second, func() (bool, string) {
		code := apiDo(t, st, http.MethodGet, "/api/cameras/"+riverCam, root, "", "", nil)
		return code == 200, fmt.Sprintf("%d", code)
	})
	if code := apiDo(t, st, http.MethodPost, "/whep/"+riverCam, op, "application/sdp", "v=0\r\n", nil); code != 403 {
		t.Errorf("operator of %s watching %s: %d, want 403", hillSite, riverCam, code)
	}
	pt := apiLogin(t, st, pilot)
	v3 := strings.Replace(v2, "version: 2", "version: 3", 1)
	if code := apiDo(t, st, http.MethodPut, "/api/sites/"+hillSite+"/rules/shadow", pt, "application/yaml", v3, nil); code != 403 {
		t.Errorf("pilot submitting rules: %d, want 403", code)
	}
	for who, want := range map[string][]string{
		operator: {"rules.validate hillside 422", "rules.validate hillside 200", "rules.shadow hillside 200",
			"rules.promote hillside 200", "rules.compare hillside 200", "rules.get riverside 403", "stream.view river-quiet 403"},
		pilot: {"rules.shadow hillside 403"},
	} {
		seen := audited(t, st, root, who)
		for _, w := range want {
			if !seen[w] {
				t.Errorf("the audit of %s lacks %q; it has %v", who, w, seen)
			}
		}
	}
}
