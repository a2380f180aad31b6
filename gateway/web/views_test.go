package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// css is a CSS selector for chromedp.
type css = chromedp.CSS

// signIn fills the login form and waits for the signed-in chrome.
func signIn(t *testing.T, ctx context.Context, errs *pageErrors, user string) {
	t.Helper()
	run(t, ctx, errs, "sign in as "+user,
		chromedp.WaitVisible(css(`[data-testid="login-form"]`)),
		chromedp.SendKeys(css(`[data-testid="login-user"]`), user),
		chromedp.SendKeys(css(`[data-testid="login-password"]`), "pw"),
		chromedp.Click(css(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="whoami"]`)))
}

// await waits (in the page, per animation frame) until js is truthy.
func await(t *testing.T, ctx context.Context, errs *pageErrors, what, js string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](js)); err != nil {
		t.Fatalf("%s: %v (waited for %s); page errors: %q", what, err, js, errs.list())
	}
}

func q(sel string) string { return "document.querySelector(" + strconv.Quote(sel) + ")" }

// noErrorsBut fails on page errors other than the browser's own log lines
// for answers the test provoked (such as a 415 from WHEP).
func noErrorsBut(t *testing.T, errs *pageErrors, expected ...string) {
	t.Helper()
next:
	for _, e := range errs.list() {
		for _, x := range expected {
			if strings.Contains(e, x) {
				continue next
			}
		}
		t.Errorf("page error: %s", e)
	}
}

// Simulated API (fakeapi_test.go), real Chromium: the views driven as
// users would, in one browser (signing out between the parts).
func TestBrowserViews(t *testing.T) {
	hs, api := startFakeAPI(t)
	ctx, errs := openConsole(t, hs.URL+"/")
	parts := []struct {
		name string
		run  func(*testing.T, context.Context, *pageErrors, *fakeAPI)
	}{
		{"LoginShowsAPIError", loginShowsAPIError},
		{"NavFollowsPermissions", navFollowsPermissions},
		{"Commander", commanderViews},
		{"Incidents", incidentsView},
		{"OperatorRulesProblemInline", rulesProblemInline},
		{"AdminUsersAndAudit", adminUsersAndAudit},
		{"Edges", edgesView},
	}
	for _, p := range parts {
		if !t.Run(p.name, func(t *testing.T) { p.run(t, ctx, errs, api) }) {
			return // the page is in an unknown state
		}
	}
	// The browser's own log lines for answers the tests provoked are expected.
	noErrorsBut(t, errs, "status of 415", "status of 422", "status of 401", "status of 503")
}

// A wrong password: the login view shows the API's message as it came.
func loginShowsAPIError(t *testing.T, ctx context.Context, errs *pageErrors, _ *fakeAPI) {
	run(t, ctx, errs, "failed login",
		chromedp.WaitVisible(css(`[data-testid="login-form"]`)),
		chromedp.SendKeys(css(`[data-testid="login-user"]`), "cmdr"),
		chromedp.SendKeys(css(`[data-testid="login-password"]`), "not-the-password"),
		chromedp.Click(css(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="login-error"]`)))
	if msg := eval[string](t, ctx, q(`[data-testid="login-error"]`)+`.textContent`); msg != "wrong user or password" {
		t.Errorf("login error shows %q, want the API's text", msg)
	}
	eval[bool](t, ctx, `(() => { for (const id of ['login-user', 'login-password']) document.querySelector('[data-testid="' + id + '"]').value = ''; return true; })()`)
}

// Each role sees only the views its permissions allow; signing out returns to the login.
func navFollowsPermissions(t *testing.T, ctx context.Context, errs *pageErrors, _ *fakeAPI) {
	for _, c := range []struct{ user, nav string }{
		{"pilot", "wall incidents alerts cameras edges drones timeline"},
		{"cmdr", "wall incidents alerts cameras edges drones timeline rules"},
		{"op", "wall incidents alerts cameras edges drones timeline rules"},
		{"root", "wall incidents alerts cameras edges drones timeline rules admin"},
	} {
		signIn(t, ctx, errs, c.user)
		nav := eval[string](t, ctx, `[...document.querySelectorAll('#nav a')].map((a) => a.dataset.testid.slice(4)).join(' ')`)
		if nav != c.nav {
			t.Errorf("%s sees %q, want %q", c.user, nav, c.nav)
		}
		signOut(t, ctx, errs)
	}
}

func signOut(t *testing.T, ctx context.Context, errs *pageErrors) {
	t.Helper()
	run(t, ctx, errs, "sign out", chromedp.Click(css(`[data-testid="logout"]`)), chromedp.WaitVisible(css(`[data-testid="login-form"]`)))
}

// A commander: the wall shows the fire
// camera with its kind and a dismiss button, and the WHEP 415 as a codec
// message (no retry loop); the alert feed shows the anomaly with its
// snapshot decoded, acknowledges it (the API gets the call, the row says
// who), inserts an anomaly pushed over SSE at the top, reloads when the
// feed is dropped and reconnects, and opens its
// camera live on a click; the camera list shows the total and marks the
// offline camera; a pinned camera whose WHEP fails is retried with backoff.
func commanderViews(t *testing.T, ctx context.Context, errs *pageErrors, api *fakeAPI) {
	run(t, ctx, errs, "wall first", chromedp.Evaluate[chromedp.Void](`location.hash = '#/wall'`))
	signIn(t, ctx, errs, "cmdr")

	tile := `[data-testid="tile"][data-camera="cam5"]`
	await(t, ctx, errs, "wall tile refused with a codec message", q(tile)+`?.dataset.play === 'refused'`)
	msg := eval[string](t, ctx, q(tile+` [data-testid="tile-message"]`)+`.textContent`)
	if !strings.Contains(msg, "codec") || !strings.Contains(msg, "H265") {
		t.Errorf("tile message %q, want the codec refusal", msg)
	}
	if k := eval[string](t, ctx, q(tile+` [data-testid="tile-kind"]`)+`.textContent`); k != "fire" {
		t.Errorf("tile kind %q, want fire", k)
	}
	await(t, ctx, errs, "tile state from GET /api/cameras/cam5", q(tile+` [data-testid="tile-state"]`)+`.textContent === 'online'`)
	if !eval[bool](t, ctx, q(tile+` [data-testid="tile-dismiss"]`)+` !== null`) {
		t.Error("a commander has no dismiss button")
	}

	run(t, ctx, errs, "alerts", chromedp.Click(css(`[data-testid="nav-alerts"]`)))
	a1 := `[data-testid="alert"][data-id="a1"]`
	await(t, ctx, errs, "snapshot decoded", q(a1+` img[data-testid="alert-snapshot"]`)+`?.naturalWidth === 32`)
	run(t, ctx, errs, "acknowledge", chromedp.Click(css(a1+` [data-testid="alert-ack"]`)))
	await(t, ctx, errs, "acknowledged row", q(a1+` [data-testid="alert-acked"]`)+`?.textContent.startsWith('acknowledged by cmdr at ')`)
	select {
	case id := <-api.acked:
		if id != "a1" {
			t.Errorf("acknowledged %s, want a1", id)
		}
	default:
		t.Error("the API got no acknowledge call")
	}

	api.events <- "event: anomaly\ndata: " + `{"id": "a2", "site": "riverside", "camera": "cam7", "kind": "smoke", "severity": "high", "state": "start", "status": "open", "has_snapshot": true, "started_at": "2026-12-01T05:05:00Z"}` + "\n\n"
	await(t, ctx, errs, "SSE anomaly on top", `document.querySelector('[data-testid="alerts-list"]').firstElementChild?.dataset.id === 'a2'`)
	// A dropped feed reconnects and the view reloads: a2 was only ever an
	// event, so the reloaded list (from GET /api/anomalies) no longer has it.
	api.drop <- struct{}{}
	await(t, ctx, errs, "reload after the feed reconnects", q(`[data-testid="alert"][data-id="a2"]`)+` === null && `+q(a1)+` !== null`)
	api.events <- "event: anomaly\ndata: " + `{"id": "a2", "site": "riverside", "camera": "cam7", "kind": "smoke", "severity": "high", "state": "start", "status": "open", "has_snapshot": true, "started_at": "2026-12-01T05:05:00Z"}` + "\n\n"
	await(t, ctx, errs, "SSE anomaly after the reconnection", q(`[data-testid="alert"][data-id="a2"]`)+` !== null`)
	run(t, ctx, errs, "open live", chromedp.Click(css(`[data-testid="alert"][data-id="a2"] [data-testid="alert-kind"]`)))
	await(t, ctx, errs, "live panel player", `!document.getElementById('live-panel').hidden && window.argus.players.has('live:cam7')`)
	run(t, ctx, errs, "close live", chromedp.Click(css(`[data-testid="live-close"]`)))
	await(t, ctx, errs, "live player stopped", `!window.argus.players.has('live:cam7')`)

	run(t, ctx, errs, "cameras", chromedp.Click(css(`[data-testid="nav-cameras"]`)))
	await(t, ctx, errs, "camera rows", `document.querySelectorAll('[data-testid="camera-row"]').length === 2`)
	if !eval[bool](t, ctx, q(`[data-testid="camera-row"][data-camera="cam2"]`)+`.classList.contains('state-offline')`) {
		t.Error("the offline camera is not marked")
	}
	busy := q(`[data-testid="camera-row"][data-camera="cam1"] [data-testid="camera-analysis"]`)
	if got := eval[string](t, ctx, busy+`.textContent`); got != "active 1.8/s · 2.5 s behind" || !eval[bool](t, ctx, busy+`.classList.contains('overloaded')`) {
		t.Errorf("the overloaded camera's analysis shows %q, want %q, marked overloaded", got, "active 1.8/s · 2.5 s behind")
	}
	if got := eval[string](t, ctx, busy+`.title`); !strings.Contains(got, "340 frames shed") {
		t.Errorf("the analysis cell's title %q does not give the shed frames", got)
	}
	if total := eval[string](t, ctx, q(`[data-testid="cameras-total"]`)+`.textContent`); !strings.HasPrefix(total, "41000 cameras") {
		t.Errorf("total %q", total)
	}

	// Pinned, cam1 joins the wall; its WHEP answers 503, and the tile
	// retries with a doubling wait.
	run(t, ctx, errs, "pin cam1", chromedp.Click(css(`[data-testid="camera-row"][data-camera="cam1"] [data-testid="camera-pin"]`)))
	run(t, ctx, errs, "wall", chromedp.Click(css(`[data-testid="nav-wall"]`)))
	pinned := `[data-testid="tile"][data-camera="cam1"]`
	await(t, ctx, errs, "pinned tile retrying", q(pinned+` [data-testid="tile-message"]`)+`?.textContent.includes('retrying in 2 s')`)
	for i := range 2 {
		select {
		case cam := <-api.wheps:
			if cam != "cam1" {
				t.Errorf("WHEP for %s, want cam1", cam)
			}
		default:
			t.Fatalf("%d WHEP requests for cam1 before the second retry, want 2", i)
		}
	}
	if eval[bool](t, ctx, q(pinned+` [data-testid="tile-unpin"]`)+` === null`) {
		t.Error("the pinned tile has no unpin button")
	}
	run(t, ctx, errs, "unpin", chromedp.Click(css(pinned+` [data-testid="tile-unpin"]`)))
	await(t, ctx, errs, "unpinned tile gone", q(pinned)+` === null && !window.argus.players.has('wall:cam1')`)
	signOut(t, ctx, errs)
}

// An operator validates a rule set with an
// unknown kind: the API's problem shows beside line 3 (gutter and note),
// and in the list below the editor. The common-fields form rewrites only
// the edited keys of a rule's line.
func rulesProblemInline(t *testing.T, ctx context.Context, errs *pageErrors, _ *fakeAPI) {
	run(t, ctx, errs, "rules first", chromedp.Evaluate[chromedp.Void](`location.hash = '#/rules'`))
	signIn(t, ctx, errs, "op")
	await(t, ctx, errs, "rules loaded", q(`[data-testid="rules-live"]`)+`?.dataset.version === '1'`)
	doc := "site: riverside\nversion: 2\ncameras: {\"*\": {rules: [{name: u, kind: unicorn}]}}\n"
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const t = %s; t.value = %s; t.dispatchEvent(new Event('input')); return true; })()`,
		q(`[data-testid="rules-text"]`), strconv.Quote(doc)))
	run(t, ctx, errs, "validate", chromedp.Click(css(`[data-testid="rules-validate"]`)))
	await(t, ctx, errs, "inline problem", q(`[data-testid="rules-inline-problem"][data-line="3"]`)+` !== null`)
	note := eval[string](t, ctx, q(`[data-testid="rules-inline-problem"]`)+`.textContent`)
	if !strings.Contains(note, `unknown kind "unicorn"`) {
		t.Errorf("inline note %q", note)
	}
	if !eval[bool](t, ctx, q(`[data-testid="rules-gutter"] [data-line="3"]`)+`.classList.contains('bad')`) {
		t.Error("gutter line 3 not marked")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-testid="rules-problem"]').length`); n != 1 {
		t.Errorf("%d problems listed, want 1", n)
	}

	// The form edits the common fields on the rule's own line, keeping the rest.
	doc = "site: riverside\nversion: 2\ncameras:\n  \"*\":\n    rules:\n      - {name: fire, kind: fire, objects: [a, b], min_score: 0.5}  # keep me\n"
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const t = %s; t.value = %s; t.dispatchEvent(new Event('input')); return true; })()`,
		q(`[data-testid="rules-text"]`), strconv.Quote(doc)))
	row := `[data-testid="rules-form-row"][data-line="6"]`
	await(t, ctx, errs, "form row for line 6", q(row)+` !== null`)
	eval[bool](t, ctx, `(() => { const s = `+q(row+` [data-testid="rules-form-severity"]`)+`; s.value = 'critical'; s.dispatchEvent(new Event('change'));
		const m = `+q(row+` [data-testid="rules-form-min-score"]`)+`; m.value = '0.7'; m.dispatchEvent(new Event('change')); return true; })()`)
	line := eval[string](t, ctx, q(`[data-testid="rules-text"]`)+`.value.split('\n')[5]`)
	if want := "      - {name: fire, kind: fire, objects: [a, b], min_score: 0.7, severity: critical}  # keep me"; line != want {
		t.Errorf("form edit gave\n%q, want\n%q", line, want)
	}
	signOut(t, ctx, errs)
}

// An admin: config users cannot be deleted, a user created in the form
// appears in the list, and the audit log shows its entries.
func adminUsersAndAudit(t *testing.T, ctx context.Context, errs *pageErrors, _ *fakeAPI) {
	run(t, ctx, errs, "admin first", chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin'`))
	signIn(t, ctx, errs, "root")
	root := `[data-testid="user-row"][data-user="root"]`
	await(t, ctx, errs, "users listed", q(root)+` !== null`)
	if eval[bool](t, ctx, q(root+` [data-testid="user-delete"]`)+` !== null`) {
		t.Error("a config user has a delete button")
	}
	await(t, ctx, errs, "audit listed", `document.querySelectorAll('[data-testid="audit-row"]').length === 1`)
	run(t, ctx, errs, "create a user",
		chromedp.SendKeys(css(`[data-testid="user-name"]`), "dora"),
		chromedp.SendKeys(css(`[data-testid="user-sites"]`), "riverside, hillside"),
		chromedp.SendKeys(css(`[data-testid="user-password"]`), "a-long-password"),
		chromedp.Click(css(`[data-testid="user-create"]`)))
	dora := `[data-testid="user-row"][data-user="dora"]`
	await(t, ctx, errs, "created user listed", q(dora)+` !== null`)
	if got := eval[string](t, ctx, q(dora)+`.children[2].textContent`); got != "riverside, hillside" {
		t.Errorf("dora's sites %q", got)
	}
	if v := eval[string](t, ctx, q(`[data-testid="user-password"]`)+`.value`); v != "" {
		t.Error("the password stays in the form after creating the user")
	}
	signOut(t, ctx, errs)
}

// The Edges view: health, cameras against capacity as a meter (its
// percentage), "capacity unknown" for an edge without one, memory and
// queue depth (none for an offline edge), the fleet's
// assignment count and drain mark, and no Drain button for a pilot.
func edgesView(t *testing.T, ctx context.Context, errs *pageErrors, _ *fakeAPI) {
	run(t, ctx, errs, "edges first", chromedp.Evaluate[chromedp.Void](`location.hash = '#/edges'`))
	signIn(t, ctx, errs, "pilot")
	one, two := `[data-testid="edge-row"][data-edge="edge-1"]`, `[data-testid="edge-row"][data-edge="edge-2"]`
	await(t, ctx, errs, "edges listed", q(two)+` !== null`)
	if got := eval[string](t, ctx, q(one+` [data-testid="edge-bar"]`)+`.dataset.percent`); got != "50" {
		t.Errorf("edge-1 at %q %%, want 50", got)
	}
	if got := eval[string](t, ctx, q(two+` [data-testid="edge-bar"]`)+`.textContent`); got != "capacity unknown" {
		t.Errorf("edge-2's bar reads %q", got)
	}
	if got := eval[string](t, ctx, q(two+` [data-testid="edge-health"]`)+`.textContent`); got != "offline" {
		t.Errorf("edge-2's health %q", got)
	}
	if got := eval[string](t, ctx, q(one+` [data-testid="edge-resources"]`)+`.textContent`); got != "312 MiB · 7 queued" {
		t.Errorf("edge-1's memory and queue %q", got)
	}
	if got := eval[string](t, ctx, q(two+` [data-testid="edge-resources"]`)+`.textContent`); got != "" {
		t.Errorf("offline edge-2's memory and queue %q, want nothing", got)
	}
	if got := eval[string](t, ctx, q(one+` [data-testid="edge-fleet"]`)+`.textContent`); got != "120 assigned · drained " {
		t.Errorf("edge-1's fleet cell %q", got)
	}
	if got := eval[bool](t, ctx, q(`[data-testid="edge-drain"]`)+` === null`); !got {
		t.Error("a pilot is offered to drain an edge")
	}
	if got := eval[string](t, ctx, q(`[data-testid="edges-summary"]`)+`.textContent`); got != "1 of 2 online · 150 cameras owned" {
		t.Errorf("summary %q", got)
	}
	signOut(t, ctx, errs)
}
