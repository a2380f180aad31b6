package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/argus-edge/argus/drivers/peers"
)

// pageErrors collects what the browser reports as going wrong in the page:
// uncaught exceptions and promise rejections, console.error calls, and the
// browser's own error log entries (CSP violations, failed loads).
type pageErrors struct {
	mu   sync.Mutex
	errs []string
}

func (p *pageErrors) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// openConsole starts Chromium with error capture on and opens url.
func openConsole(t *testing.T, url string) (context.Context, *pageErrors) {
	t.Helper()
	ctx := peers.Chromium(t)
	errs := &pageErrors{}
	messages := chromedp.Console(ctx) // subscribed before the page loads
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				errs.mu.Lock()
				errs.errs = append(errs.errs, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				errs.mu.Unlock()
			}
		}
	}()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("chromium: open %s: %v", url, err)
	}
	return ctx, errs
}

// run runs actions within 30 s, failing the test with the page's errors.
func run(t *testing.T, ctx context.Context, errs *pageErrors, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(rctx, actions...); err != nil {
		t.Fatalf("%s: %v; page errors: %q", what, err, errs.list())
	}
}

// eval evaluates js in the page (awaiting a promise).
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	return peers.Eval[T](t, ctx, js)
}

// settle waits until the page has run the tasks queued so far (two
// animation frames and a macrotask), so that their errors are reported.
func settle(t *testing.T, ctx context.Context) {
	t.Helper()
	eval[bool](t, ctx, `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => r(true), 0))))`)
}

func noErrors(t *testing.T, errs *pageErrors) {
	t.Helper()
	for _, e := range errs.list() {
		t.Errorf("page error: %s", e)
	}
}

// Real: Debian's headless Chromium loads the console from an httptest
// server with only the web handler (no API behind it). With no session in
// the tab the login view renders, focused on the user field, the modules
// load under the strict CSP, and nothing is reported as an error.
func TestBrowserLoginRenders(t *testing.T) {
	hs := httptest.NewServer(Handler())
	t.Cleanup(hs.Close)
	ctx, errs := openConsole(t, hs.URL+"/")
	run(t, ctx, errs, "login view", chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)))
	settle(t, ctx)
	view := eval[string](t, ctx, `document.body.dataset.view`)
	focused := eval[string](t, ctx, `document.activeElement.dataset.testid`)
	topbarHidden := eval[bool](t, ctx, `document.getElementById('topbar').hidden`)
	if view != "login" || focused != "login-user" || !topbarHidden {
		t.Errorf("view %q, focus on %q, top bar hidden %v; want login, login-user, true", view, focused, topbarHidden)
	}
	if !eval[bool](t, ctx, `typeof window.stats === 'function' && window.argus.players instanceof Map`) {
		t.Error("the player's test hooks (window.stats, window.argus.players) are missing")
	}
	noErrors(t, errs)
	// The capture works: an uncaught error thrown now is reported.
	eval[bool](t, ctx, `setTimeout(() => { throw new Error('capture-check'); }, 0), true`)
	if !peers.Eventually(10*time.Second, func() bool { // polling the collector goroutine
		return strings.Contains(strings.Join(errs.list(), "\n"), "capture-check")
	}) {
		t.Fatal("a thrown error was not captured: the no-error check above proves nothing")
	}
}

// Real: the player's Link header parser, in Chromium, on the header fetch
// joins from several Link values: each rel="ice-server" link is one
// RTCIceServer with its username and credential; commas and semicolons in
// quotes or in the URL do not split; other relations are left out.
func TestBrowserParsesIceLinks(t *testing.T) {
	hs := httptest.NewServer(Handler())
	t.Cleanup(hs.Close)
	ctx, errs := openConsole(t, hs.URL+"/")
	const header = `<stun:stun.example.net:3478>; rel="ice-server", ` +
		`<turn:turn.example.net:3478?transport=udp>; rel="ice-server"; username="argus"; credential="a,b;c\"d"; credential-type="password", ` +
		`</whep/cam1/x>; rel="self", <turns:turn.example.net>; rel=ice-server`
	got := eval[string](t, ctx, fmt.Sprintf("import('/assets/js/player.js').then((m) => JSON.stringify(m.parseIceLinks(%q)))", header))
	const want = `[{"urls":"stun:stun.example.net:3478"},` +
		`{"urls":"turn:turn.example.net:3478?transport=udp","username":"argus","credential":"a,b;c\"d"},` +
		`{"urls":"turns:turn.example.net"}]`
	if got != want {
		t.Errorf("parseIceLinks:\n got %s\nwant %s", got, want)
	}
	noErrors(t, errs)
}
