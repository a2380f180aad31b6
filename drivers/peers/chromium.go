package peers

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium starts Debian's headless Chromium (skipping the test when it is
// missing, failing it under CI) with a fresh profile, media autoplay
// allowed and WebRTC host candidates shown as addresses rather than mDNS
// names, and returns a chromedp context for one tab. The browser is closed
// when the test ends.
func Chromium(t testing.TB) context.Context {
	t.Helper()
	path := Need(t, "chromium", "chromium")
	profile := t.TempDir() // removed after the browser, which is cancelled first
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
	)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("chromium: start: %v", err)
	}
	return ctx
}
