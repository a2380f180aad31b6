package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// fakeReplays simulates the gateway's rule replay calls (API.md, "Rule
// replay"): a replay that runs, is paused by its edge, then is done with
// one row of each side. Other calls go to the fake API.
type fakeReplays struct {
	api *fakeAPI

	mu    sync.Mutex
	gets  int
	asked map[string]any // the start's body
}

func (f *fakeReplays) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	replay := map[string]any{"id": "r1", "site": "riverside", "version": 1, "state": "running", "fraction": 0.3,
		"media_s": 1080, "total_s": 3600, "rate": 95.2, "cameras": []string{"cam1"}}
	switch p := r.Method + " " + r.URL.Path; p {
	case "POST /api/sites/riverside/replays":
		f.mu.Lock()
		json.NewDecoder(r.Body).Decode(&f.asked)
		f.mu.Unlock()
		writeJSON(w, 202, replay)
	case "GET /api/replays/r1":
		f.mu.Lock()
		f.gets++
		n := f.gets
		f.mu.Unlock()
		switch {
		case n == 1:
			replay["state"], replay["rate"] = "paused", 0
			replay["message"] = "edge-1: paused: live cameras need the CPU (live analysis is shedding frames)"
		default:
			an := func(id string, start string, score float64) map[string]any {
				return map[string]any{"id": id, "camera": "cam1", "kind": "fire", "score": score, "start": start, "end": start}
			}
			replay["state"], replay["fraction"], replay["media_s"] = "done", 1, 3600
			replay["summary"] = map[string]int{"both": 1, "only_candidate": 1, "only_live": 1}
			replay["rows"] = []any{
				map[string]any{"side": "both", "camera": "cam1", "kind": "fire", "candidate": an("c1", "2026-12-01T04:10:00Z", 0.9),
					"live": an("l1", "2026-12-01T04:10:00Z", 0.9), "clip": "/api/anomalies/l1/clip"},
				map[string]any{"side": "only_live", "camera": "cam1", "kind": "fire",
					"live": an("l2", "2026-12-01T04:20:00Z", 0.8), "clip": "/api/anomalies/l2/clip"},
				map[string]any{"side": "only_candidate", "camera": "cam1", "kind": "fire", "candidate": an("c3", "2026-12-01T04:30:00Z", 0.6),
					"clip": "/api/cameras/cam1/recordings/export?from=2026-12-01T04%3A29%3A50Z&to=2026-12-01T04%3A30%3A10Z"},
			}
		}
		writeJSON(w, 200, replay)
	default:
		f.api.authed(w, r)
	}
}

// An operator replays v1 over the last hour from the Rules view: the
// panel sends the version and the range, shows the progress with its rate,
// the edge's yield message while paused, then the table: one row per side
// (both, would miss, would add) with the live clip or the recording link.
// The API is simulated (fakeReplays); the real one is gateway/api's test.
func TestBrowserReplayPanel(t *testing.T) {
	_, api := startFakeAPI(t)
	rp := &fakeReplays{api: api}
	mux := http.NewServeMux()
	mux.Handle("/", Handler())
	mux.HandleFunc("POST /api/login", api.login)
	mux.Handle("/api/", rp)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	ctx, errs := openConsole(t, hs.URL+"/#/rules")
	signIn(t, ctx, errs, "op")
	await(t, ctx, errs, "replay panel with v1", q(`[data-testid="replay-version"] option[value="1"]`)+` !== null`)
	eval[bool](t, ctx, `(() => { const s = `+q(`[data-testid="replay-version"]`)+`; s.value = '1'; return true; })()`)
	run(t, ctx, errs, "start", chromedp.Click(css(`[data-testid="replay-start"]`)))
	await(t, ctx, errs, "paused", q(`[data-testid="replay-progress"]`)+`?.dataset.state === 'paused'`)
	if s := eval[string](t, ctx, q(`[data-testid="replay-status"]`)+`.textContent`); !strings.Contains(s, "paused: live cameras need the CPU") {
		t.Errorf("paused status %q", s)
	}
	await(t, ctx, errs, "done", q(`[data-testid="replay-progress"]`)+`?.dataset.state === 'done'`)
	sides := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid="replay-row"]')].map((r) => r.dataset.side + ':' + r.cells[0].textContent).join(' ')`)
	if sides != "both:both only_live:would miss only_candidate:would add" {
		t.Errorf("rows %q", sides)
	}
	links := eval[string](t, ctx, `[...document.querySelectorAll('[data-testid="replay-clip"]')].map((a) => a.getAttribute('href')).join(' ')`)
	if !strings.Contains(links, "/api/anomalies/l2/clip") || !strings.Contains(links, "/api/cameras/cam1/recordings/export?from=") {
		t.Errorf("clip links %q", links)
	}
	if s := eval[string](t, ctx, q(`[data-testid="replay-summary"]`)+`.textContent`); s != "both 1 · would add 1 · would miss 1" {
		t.Errorf("summary %q", s)
	}
	rp.mu.Lock()
	asked := rp.asked
	rp.mu.Unlock()
	if asked["version"] != 1.0 || asked["from"] == nil || asked["to"] == nil || asked["document"] != nil {
		t.Errorf("the panel asked %v", asked)
	}
	noErrorsBut(t, errs)
}
