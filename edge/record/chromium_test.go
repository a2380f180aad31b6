package record

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/argus-edge/argus/drivers/peers"
)

// TestChromiumPlaysClip plays an H.264 anomaly clip, served by the
// recorder's own handler with range requests, in headless Chromium's
// <video>: it plays past its first seconds without a media error and
// Chromium sees the whole clip. Simulated: the camera (scene replay).
func TestChromiumPlaysClip(t *testing.T) {
	r, _ := recordWithClips(t, t.TempDir())
	c, _ := r.ix.clip("a2")
	want := c.End.Sub(c.Start).Seconds()
	mux := http.NewServeMux()
	for p, h := range r.Routes() {
		mux.Handle(p, h)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`<!doctype html><video id="v" src="/api/clips/a2" muted autoplay></video>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx := peers.Chromium(t)
	type played struct {
		Err      int     `json:"err"`
		Time     float64 `json:"time"`
		Duration float64 `json:"duration"`
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.Poll[played](`(() => {
		const v = document.getElementById('v');
		if (v.error) return {err: v.error.code};
		if (v.currentTime > 1.5) return {time: v.currentTime, duration: v.duration};
		return null;
	})()`, chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("chromium never played 1.5 s of the clip: %v", err)
	}
	if res.Err != 0 {
		t.Fatalf("chromium media error %d playing the clip", res.Err)
	}
	if res.Duration < want-0.5 {
		t.Errorf("chromium sees %.2fs of the clip, want %.2fs", res.Duration, want)
	}
	t.Logf("chromium at %.2fs of %.2fs", res.Time, res.Duration)
}
