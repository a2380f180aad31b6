package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// screens are the sizes the console must fit: a laptop and a 1080p
// control-room screen.
var screens = []struct{ w, h int64 }{{1366, 768}, {1920, 1080}}

// views are every view an admin sees, with the element each is drawn in.
var views = []string{"wall", "incidents", "alerts", "cameras", "edges", "drones", "rules", "admin"}

// overflowJS lists what sticks out: the page scrolling sideways, and
// any element of the view (panels, tables, the editor, cards) whose box
// runs past the viewport's right edge or the left one, or past its
// panel's (.rules-side) right edge.
const overflowJS = `(() => {
  const out = [];
  const W = window.innerWidth;
  const se = document.scrollingElement;
  if (se.scrollWidth > W) out.push('page scrolls sideways: ' + se.scrollWidth + ' > ' + W);
  const name = (el) => el.dataset.testid || el.className || el.tagName;
  for (const el of document.querySelectorAll('.view, .view section, .view .card, .view table, .view .editor, .view .toolbar, .view .rules-side, .view .alerts > li, .view .grid, .topbar')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -0.5 || r.right > W + 0.5) out.push(name(el) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + W);
  }
  for (const side of document.querySelectorAll('.rules-side')) {
    const s = side.getBoundingClientRect();
    for (const t of side.querySelectorAll('table')) {
      const r = t.getBoundingClientRect();
      if (r.right > s.right + 0.5) out.push('table in ' + name(side) + ' ends at ' + Math.round(r.right) + ', its panel at ' + Math.round(s.right));
    }
  }
  return out.join('; ');
})()`

// Simulated API (fakeapi_test.go), real Chromium at 1366×768 and
// 1920×1080: every view an admin sees fits the width: the page never
// scrolls sideways and no panel, table, card or the rule editor runs past
// the viewport (or, for the rule versions, past their panel). The rule
// editor scrolls a line longer than its width instead of cutting it: the
// end of the line can be scrolled into view.
func TestBrowserLayoutFits(t *testing.T) {
	hs, _ := startFakeAPI(t)
	ctx, errs := openConsole(t, hs.URL+"/")
	signIn(t, ctx, errs, "root")
	for _, sc := range screens {
		run(t, ctx, errs, fmt.Sprintf("viewport %dx%d", sc.w, sc.h), chromedp.EmulateViewport(sc.w, sc.h))
		for _, v := range views {
			t.Run(fmt.Sprintf("%dx%d/%s", sc.w, sc.h, v), func(t *testing.T) {
				run(t, ctx, errs, "open "+v, chromedp.Navigate(hs.URL+"/#/"+v), chromedp.WaitVisible(css(`[data-testid="`+v+`-view"]`)))
				if v == "rules" {
					await(t, ctx, errs, "rule versions listed", `document.querySelectorAll('[data-testid="rules-version"]').length === 4`)
				}
				settle(t, ctx)
				if got := eval[string](t, ctx, overflowJS); got != "" {
					t.Errorf("overflow: %s", got)
				}
			})
		}
		t.Run(fmt.Sprintf("%dx%d/editor-long-line", sc.w, sc.h), func(t *testing.T) {
			run(t, ctx, errs, "open rules", chromedp.Navigate(hs.URL+"/#/rules"), chromedp.WaitVisible(css(`[data-testid="rules-text"]`)))
			await(t, ctx, errs, "the live rule set loaded", q(`[data-testid="rules-text"]`)+`.value.startsWith('site: riverside')`)
			editorScrolls(t, ctx, errs)
		})
	}
	// The fake API has no drones (404); the wall's tiles ask WHEP of cameras it cannot relay (415, 503).
	noErrorsBut(t, errs, "status of 404", "status of 415", "status of 503")
}

// editorScrolls types a line far wider than the editor and checks that
// its end can be scrolled into view, with the gutter and notes beside it.
func editorScrolls(t *testing.T, ctx context.Context, errs *pageErrors) {
	eval[bool](t, ctx, `(() => { const ta = `+q(`[data-testid="rules-text"]`)+`; ta.value = 'site: riverside\nname: `+strings.Repeat("a-long-name-", 40)+`END\n'; ta.dispatchEvent(new Event('input')); return true; })()`)
	settle(t, ctx)
	got := eval[string](t, ctx, `(() => {
  const ta = `+q(`[data-testid="rules-text"]`)+`;
  const ed = ta.parentElement.getBoundingClientRect();
  const box = ta.getBoundingClientRect();
  const out = [];
  if (box.right > ed.right + 0.5 || box.left < ed.left - 0.5) out.push('textarea ' + Math.round(box.left) + '..' + Math.round(box.right) + ' outside the editor ' + Math.round(ed.left) + '..' + Math.round(ed.right));
  if (ta.scrollWidth <= ta.clientWidth) out.push('no line is wider than the box: the test proves nothing');
  const cs = getComputedStyle(ta);
  if (cs.overflowX !== 'auto' && cs.overflowX !== 'scroll') out.push('overflow-x is ' + cs.overflowX);
  ta.scrollLeft = ta.scrollWidth;
  if (ta.scrollLeft + ta.clientWidth < ta.scrollWidth - 1) out.push('cannot scroll to the end: scrollLeft ' + ta.scrollLeft + ' of ' + ta.scrollWidth);
  if (ta.clientWidth < 200) out.push('text box only ' + ta.clientWidth + ' px wide');
  return out.join('; ');
})()`)
	if got != "" {
		t.Errorf("editor: %s", got)
	}
	if o := eval[string](t, ctx, overflowJS); o != "" {
		t.Errorf("overflow with a long line: %s", o)
	}
}
