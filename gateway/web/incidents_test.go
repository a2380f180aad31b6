package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A commander's incidents (simulated API, real Chromium): the fire seen
// by two cameras comes first (critical) with its count, the site outage
// is one card with its cause; a click opens the fire's timeline and
// members, a member opens its camera live; Acknowledge and Take reach the
// API and the card says so; an `incident` event updates a card in place.
// On the wall the outage is one banner, which opens Incidents and goes
// when the outage is resolved.
func incidentsView(t *testing.T, ctx context.Context, errs *pageErrors, api *fakeAPI) {
	signIn(t, ctx, errs, "cmdr")
	run(t, ctx, errs, "incidents", chromedp.Click(css(`[data-testid="nav-incidents"]`)))
	await(t, ctx, errs, "two incident cards", `document.querySelectorAll('[data-testid="incident"]').length === 2`)
	order := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid="incident"]')].map((c) => c.dataset.id).join(' ')`)
	if order != "area-a1 outage-o1" {
		t.Errorf("cards in order %q, want the critical fire first", order)
	}
	fire, outage := `[data-testid="incident"][data-id="area-a1"]`, `[data-testid="incident"][data-id="outage-o1"]`
	if got := eval[string](t, ctx, q(fire+` [data-testid="incident-count"]`)+`.textContent`); got != "×2" {
		t.Errorf("fire count %q, want ×2", got)
	}
	if got := eval[string](t, ctx, q(outage+` [data-testid="incident-cause"]`)+`.textContent`); got != "edge lost: edge-2" {
		t.Errorf("outage cause %q", got)
	}
	run(t, ctx, errs, "open the fire", chromedp.Click(css(fire+` [data-testid="incident-title"]`)))
	await(t, ctx, errs, "fire timeline", `document.querySelectorAll('[data-testid="incident-line"]').length === 2`)
	run(t, ctx, errs, "member live", chromedp.Click(css(fire+` [data-testid="incident-member"][data-camera="cam7"]`)))
	await(t, ctx, errs, "live panel for the member", `!document.getElementById('live-panel').hidden && window.argus.players.has('live:cam7')`)
	run(t, ctx, errs, "close live", chromedp.Click(css(`[data-testid="live-close"]`)))

	run(t, ctx, errs, "acknowledge", chromedp.Click(css(fire+` [data-testid="incident-ack"]`)))
	await(t, ctx, errs, "acknowledged", q(fire)+`?.dataset.state === 'acknowledged'`)
	if got := <-api.acts; !strings.HasPrefix(got, "ack cmdr") {
		t.Errorf("API got %q, want an ack by cmdr", got)
	}
	run(t, ctx, errs, "take", chromedp.Click(css(fire+` [data-testid="incident-take"]`)))
	await(t, ctx, errs, "owner shown", q(fire+` [data-testid="incident-owner"]`)+`?.textContent === 'owner cmdr'`)
	if got := <-api.acts; got != "assign cmdr map[owner:cmdr]" {
		t.Errorf("API got %q, want assign to cmdr", got)
	}
	api.events <- "event: incident\ndata: " + `{"id": "outage-o1", "rule": "outage", "kind": "camera_offline", "site": "riverside", "title": "Site outage at riverside: 300 cameras offline", "severity": "critical", "state": "open", "count": 300, "first": "2026-12-01T04:58:00Z", "last": "2026-12-01T05:02:00Z"}` + "\n\n"
	await(t, ctx, errs, "outage updated in place", q(outage)+`?.dataset.count === '300' && document.querySelectorAll('[data-testid="incident"]').length === 2`)

	// On the wall the outage is one banner (the fire is not an outage), which opens Incidents.
	run(t, ctx, errs, "wall", chromedp.Click(css(`[data-testid="nav-wall"]`)))
	banner := `[data-testid="wall-outage"][data-id="outage-o1"]`
	await(t, ctx, errs, "one outage banner", `document.querySelectorAll('[data-testid="wall-outage"]').length === 1 && `+q(banner)+` !== null`)
	if got := eval[string](t, ctx, q(banner)+`.textContent`); !strings.Contains(got, "120 cameras offline") {
		t.Errorf("banner says %q", got)
	}
	run(t, ctx, errs, "banner opens incidents", chromedp.Click(css(banner)))
	await(t, ctx, errs, "incidents view", q(`[data-testid="incidents-view"]`)+` !== null`)
	run(t, ctx, errs, "wall again", chromedp.Click(css(`[data-testid="nav-wall"]`)))
	await(t, ctx, errs, "banner back", q(banner)+` !== null`)
	api.events <- "event: incident\ndata: " + `{"id": "outage-o1", "rule": "outage", "kind": "camera_offline", "site": "riverside", "title": "Site outage at riverside", "severity": "high", "state": "resolved", "count": 300}` + "\n\n"
	await(t, ctx, errs, "banner gone when resolved", q(banner)+` === null`)
	signOut(t, ctx, errs)
}
