package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/argus-edge/argus/drivers/peers"
)

// segmentMP4 encodes secs of a moving test picture as a fragmented MP4,
// as an edge records a segment (H.264, a keyframe a second).
func segmentMP4(t *testing.T, secs int) []byte {
	t.Helper()
	peers.Need(t, "ffmpeg", "ffmpeg")
	out := filepath.Join(t.TempDir(), "seg.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=10", "-t", strconv.Itoa(secs),
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p",
		"-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Real: Chromium, the console's Recordings view (views/timeline.js),
// ffmpeg's fMP4 segments served with ranges. Simulated: the API (the
// package's fake, plus the camera's two recorded minutes and one anomaly
// between them). The view draws both spans and the marker; a click on
// the bar plays the second segment from that point, the scrubber moves
// playback back into the first, the first's end runs on into the second,
// and the marker plays from 5 s before the anomaly.
func TestBrowserTimelinePlaysAndScrubs(t *testing.T) {
	seg := segmentMP4(t, 60)
	fake, _ := startFakeAPI(t)
	target, _ := url.Parse(fake.URL)
	now := time.Now().UTC().Truncate(time.Second)
	s1, s2 := now.Add(-10*time.Minute), now.Add(-9*time.Minute)
	anomalyAt := s2.Add(30 * time.Second)
	mux := http.NewServeMux()
	mux.Handle("/", httputil.NewSingleHostReverseProxy(target))
	mux.HandleFunc("GET /api/cameras/cam1/recordings", func(w http.ResponseWriter, r *http.Request) {
		segs := []map[string]any{}
		for i, s := range []time.Time{s1, s2} {
			segs = append(segs, map[string]any{"start": s, "end": s.Add(time.Minute), "bytes": len(seg),
				"url": fmt.Sprintf("/api/cameras/cam1/recordings/seg%d.mp4?edge=edge-1", i+1)})
		}
		writeJSON(w, 200, map[string]any{"camera": "cam1", "edge": "edge-1", "segments": segs})
	})
	mux.HandleFunc("GET /api/cameras/cam1/recordings/{file}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, r.PathValue("file"), now, bytes.NewReader(seg))
	})
	mux.HandleFunc("GET /api/anomalies", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("camera") != "cam1" {
			writeJSON(w, 200, map[string]any{"items": []any{}})
			return
		}
		writeJSON(w, 200, map[string]any{"items": []map[string]any{{"id": "a-tl", "camera": "cam1", "site": "riverside", "kind": "person",
			"severity": "high", "state": "end", "status": "open", "started_at": anomalyAt, "ended_at": anomalyAt.Add(5 * time.Second)}}})
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)

	ctx, errs := openConsole(t, hs.URL+"/")
	signIn(t, ctx, errs, "cmdr")
	run(t, ctx, errs, "open the timeline", chromedp.Navigate(hs.URL+"/#/timeline/cam1"))
	await(t, ctx, errs, "two spans and the marker", `document.querySelectorAll('[data-testid="tl-span"]').length === 2 && `+
		q(`[data-testid="tl-marker"][data-id="a-tl"]`)+` !== null`)

	// playingAt waits until the video plays url past at (ms since 1970) and is advancing.
	playingAt := func(what, url string, from, to time.Time) {
		t.Helper()
		await(t, ctx, errs, what, fmt.Sprintf(`(() => { const v = %s, at = Number(%s.dataset.at || 0);
			return v.dataset.url.startsWith(%q) && v.readyState >= 2 && !v.paused && at > %d && at < %d; })()`,
			q(`[data-testid="tl-video"]`), q(`[data-testid="tl-now"]`), url, from.UnixMilli(), to.UnixMilli()))
	}
	clickBarAt := func(at time.Time) {
		eval[bool](t, ctx, fmt.Sprintf(`(() => { const b = %s, r = b.getBoundingClientRect();
			const frac = (%d - Number(b.dataset.from)) / (Number(b.dataset.to) - Number(b.dataset.from));
			b.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.left + frac * r.width, clientY: r.top + 5})); return true; })()`,
			q(`[data-testid="tl-bar"]`), at.UnixMilli()))
	}
	clickBarAt(s2.Add(20 * time.Second))
	// The bar is about 1000 px for an hour: a pixel is a few seconds.
	playingAt("the bar's click plays the second segment there", "/api/cameras/cam1/recordings/seg2.mp4", s2.Add(10*time.Second), s2.Add(35*time.Second))

	eval[bool](t, ctx, fmt.Sprintf(`(() => { const s = %s, b = %s;
		s.value = String(Math.round((%d - Number(b.dataset.from)) / (Number(b.dataset.to) - Number(b.dataset.from)) * 1000));
		s.dispatchEvent(new Event('change')); return true; })()`, q(`[data-testid="tl-scrub"]`), q(`[data-testid="tl-bar"]`), s1.Add(57*time.Second).UnixMilli()))
	playingAt("the scrubber plays the first segment near its end", "/api/cameras/cam1/recordings/seg1.mp4", s1.Add(50*time.Second), s2)
	playingAt("the first segment runs on into the second", "/api/cameras/cam1/recordings/seg2.mp4", s2, s2.Add(15*time.Second))

	run(t, ctx, errs, "click the marker", chromedp.Click(css(`[data-testid="tl-marker"][data-id="a-tl"]`)))
	playingAt("the marker plays from 5 s before the anomaly", "/api/cameras/cam1/recordings/seg2.mp4", anomalyAt.Add(-5*time.Second), anomalyAt.Add(10*time.Second))
	if href := eval[string](t, ctx, q(`[data-testid="tl-export"]`)+`.getAttribute('href')`); !bytes.HasPrefix([]byte(href), []byte("/api/cameras/cam1/recordings/export?from=")) {
		t.Errorf("export link %q", href)
	}
	noErrors(t, errs)
}
