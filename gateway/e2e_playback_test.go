package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/gateway/store"
)

const playbackEdgeHTTP = "playback-edge-http-token-0123"

// playbackUsers: an operator of chemplant (the camera's site), one of
// riverside only, and an admin; passwords "<name> password".
func playbackUsers() string {
	out := "users:\n"
	for _, u := range []struct{ name, role, site string }{{"chem-op", "operator", "chemplant"}, {"river-op", "operator", "riverside"}, {"root", "admin", `"*"`}} {
		h, _ := bcrypt.GenerateFromPassword([]byte(u.name+" password"), bcrypt.MinCost)
		out += "  - {name: " + u.name + ", role: " + u.role + ", sites: [" + u.site + "], password_hash: \"" + string(h) + "\"}\n"
	}
	return out
}

// Real: the gateway's run (embedded broker, store, API, console assets,
// edgehttp), the edge binary (go build) pulling the camera over RTSP,
// recording it (continuous segments and event clips, default 10 s
// pre-roll; post-roll 1 s to keep the test short), detecting with the
// chemplant rules (camera_covered) and serving its :9100 with its token,
// ffprobe and headless Chromium. Simulated: the camera (drivers/sim, a
// 24 s loop that turns black at 12 s).
//
// Through the gateway only: the covered anomaly's clip comes with a range
// (206, Content-Range, Accept-Ranges) and starts ≥ 9 s before the
// anomaly's frame (X-Argus-Start); the export is an MP4 ffprobe reads;
// the segments list names gateway URLs that serve; a user without the
// camera's site gets 403 (404 for the anomaly's clip, as for its record),
// audited; the console plays the clip (readyState ≥ 2, currentTime
// advancing) with its start and box, and the camera's timeline plays from
// the anomaly's marker. The edges' token is in no log line of the gateway.
func TestRecordingsThroughTheGateway(t *testing.T) {
	peers.Need(t, "ffprobe", "ffmpeg")
	began := time.Now()
	dir := t.TempDir()
	edgeBin := filepath.Join(dir, "edge")
	if out, err := exec.Command("go", "build", "-o", edgeBin, "../edge").CombinedOutput(); err != nil {
		t.Fatalf("go build ../edge: %v\n%s", err, out)
	}
	t.Logf("edge built after %s", time.Since(began).Round(time.Millisecond))
	t.Setenv("T_EDGE_BUS", "playback-edge-bus-0123456789")
	t.Setenv("T_EDGE_HTTP", playbackEdgeHTTP)
	httpURL, mqttURL, gwLog := startGateway(t,
		"    - {name: edge-p, role: edge, edge: edge-p, sites: [\"*\"], password_env: T_EDGE_BUS}\n",
		"edge_http: {token_env: T_EDGE_HTTP}\n", playbackUsers())
	// The camera's loop starts now: the edge connects within its first
	// seconds, so the first black span is ≥ 10 s into what it recorded.
	cam := peers.Sim(t, sim.Camera{Path: "cam-p", Scene: sim.SceneSpec{Kind: sim.Black, Codec: sim.H264, Width: 320, Height: 240,
		FPS: 10, GOP: time.Second, Duration: 24 * time.Second}})
	broker, _ := url.Parse(mqttURL)
	rules, _ := filepath.Abs("../configs/rules")
	edgeAddr := fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	cfg := filepath.Join(dir, "edge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`edge: {id: edge-p, http: %q, http_token_env: T_EDGE_HTTP}
mqtt: {broker: "tcp://%s", username: edge-p, password_env: T_EDGE_BUS, queue_dir: %q}
detect: {rules_dir: %q}
record: {dir: %q, post_roll: 1s}
sites: [{id: chemplant, name: Chemical plant}]
cameras:
  - {id: cam-p, site: chemplant, main: %q, record: {mode: continuous, hours: 1}}
`, edgeAddr, broker.Host, filepath.Join(dir, "queue"), rules, filepath.Join(dir, "rec"), cam.URL("cam-p"))), 0o600)
	edge := exec.Command(edgeBin, "-config", cfg, "-log-format", "json")
	edgeLog := &peers.LogBuffer{}
	edge.Stderr = edgeLog
	if err := edge.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		edge.Process.Kill()
		edge.Wait()
		if t.Failed() {
			t.Logf("edge log:\n%s", edgeLog)
		}
	})

	root := loginAs(t, httpURL, "root")
	var online time.Time
	eventually(t, 60*time.Second, "cam-p online at the gateway", func() (bool, string) {
		var row cameraRow
		st := call(t, "GET", httpURL+"/api/cameras/cam-p", root, nil, &row)
		online = time.Now()
		return st == 200 && row.State == "online", fmt.Sprintf("%d %+v", st, row)
	})
	t.Logf("cam-p online after %s", time.Since(began).Round(time.Millisecond))

	// A covered anomaly that started ≥ 11 s after the camera came online
	// (the recorder then holds its whole pre-roll), ended, its clip written.
	var a store.Anomaly
	eventually(t, 120*time.Second, "an ended camera_covered anomaly of cam-p", func() (bool, string) {
		var page store.Page[store.Anomaly]
		call(t, "GET", httpURL+"/api/anomalies?camera=cam-p&kind=camera_covered", root, nil, &page)
		for _, x := range page.Items {
			if x.State == "end" && x.StartedAt.After(online.Add(11*time.Second)) {
				a = x
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", page.Items)
	})
	t.Logf("anomaly %s from %s to %s, found after %s", a.ID, a.StartedAt.Format(time.RFC3339Nano), a.EndedAt.Format(time.RFC3339Nano),
		time.Since(began).Round(time.Millisecond))
	clipURL := httpURL + "/api/anomalies/" + a.ID + "/clip"
	var resp *http.Response
	var body []byte
	eventually(t, 30*time.Second, "the clip, past its post-roll", func() (bool, string) {
		resp, body = getRange(t, clipURL, root, "bytes=0-99")
		return resp.StatusCode == http.StatusPartialContent, fmt.Sprintf("%d %s", resp.StatusCode, body)
	})
	if cr := resp.Header.Get("Content-Range"); len(body) != 100 || !strings.HasPrefix(cr, "bytes 0-99/") || resp.Header.Get("Accept-Ranges") != "bytes" ||
		resp.Header.Get("Content-Type") != "video/mp4" || string(body[4:8]) != "ftyp" {
		t.Fatalf("clip range: %d bytes, Content-Range %q, Accept-Ranges %q, type %q", len(body), cr, resp.Header.Get("Accept-Ranges"), resp.Header.Get("Content-Type"))
	}
	start, err := time.Parse(time.RFC3339Nano, resp.Header.Get("X-Argus-Start"))
	if err != nil {
		t.Fatalf("X-Argus-Start %q: %v", resp.Header.Get("X-Argus-Start"), err)
	}
	if pre := a.StartedAt.Sub(start); pre < 9*time.Second {
		t.Errorf("the clip starts %s before the anomaly's frame, want ≥ 9 s (pre-roll 10 s)", pre)
	} else {
		t.Logf("the clip starts %s before the anomaly's frame", pre.Round(time.Millisecond))
	}

	// The whole clip is an MP4 ffprobe reads, from before the anomaly to after its end.
	resp, body = getRange(t, clipURL, root, "")
	clipFile := filepath.Join(dir, "clip.mp4")
	os.WriteFile(clipFile, body, 0o600)
	out, err := exec.Command("ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
		"stream=codec_name,nb_read_packets:format=duration", "-of", "default=nw=1", clipFile).CombinedOutput()
	t.Logf("ffprobe of the clip (%d bytes): %s", len(body), strings.Join(strings.Fields(string(out)), " "))
	var dur float64
	for _, l := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(l, "duration="); ok {
			dur, _ = strconv.ParseFloat(v, 64)
		}
	}
	if want := a.EndedAt.Sub(start).Seconds(); err != nil || !strings.Contains(string(out), "codec_name=h264") || dur < want {
		t.Fatalf("ffprobe of the clip: %v: %s: want ≥ %.1f s, from its start to the anomaly's end", err, out, want)
	}

	// The export of the span around it is an MP4 ffprobe reads.
	q := url.Values{"from": {a.StartedAt.Add(-8 * time.Second).Format(time.RFC3339Nano)}, "to": {a.StartedAt.Add(2 * time.Second).Format(time.RFC3339Nano)}}
	resp, body = getRange(t, httpURL+"/api/cameras/cam-p/recordings/export?"+q.Encode(), root, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %q %.200s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	mp4 := filepath.Join(dir, "export.mp4")
	os.WriteFile(mp4, body, 0o600)
	out, err = exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height",
		"-of", "csv=p=0", mp4).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "h264,320,240" {
		t.Fatalf("ffprobe of the export (%d bytes): %v: %q", len(body), err, out)
	}

	// The segments list names the gateway's URLs, which serve ranges.
	var list struct {
		Edge     string
		Segments []struct{ URL string }
	}
	if st := call(t, "GET", httpURL+"/api/cameras/cam-p/recordings", root, nil, &list); st != 200 || list.Edge != "edge-p" || len(list.Segments) == 0 ||
		!strings.HasPrefix(list.Segments[0].URL, "/api/cameras/cam-p/recordings/") {
		t.Fatalf("recordings: %d %+v", st, list)
	}
	if resp, _ = getRange(t, httpURL+list.Segments[0].URL, root, "bytes=0-9"); resp.StatusCode != http.StatusPartialContent {
		t.Errorf("segment range: %d", resp.StatusCode)
	}

	// Another site's user: 403 for the camera's recordings, 404 for the clip; audited.
	other := loginAs(t, httpURL, "river-op")
	for p, want := range map[string]int{"/api/cameras/cam-p/recordings": 403, "/api/cameras/cam-p/recordings/export?" + q.Encode(): 403,
		"/api/anomalies/" + a.ID + "/clip": 404} {
		if resp, body := getRange(t, httpURL+p, other, ""); resp.StatusCode != want {
			t.Errorf("river-op %s: %d %s, want %d", p, resp.StatusCode, body, want)
		}
	}
	var audit store.Page[store.AuditEntry]
	call(t, "GET", httpURL+"/api/audit?limit=500", root, nil, &audit)
	seen := map[string]bool{}
	for _, e := range audit.Items {
		seen[e.Who+" "+e.Action+" "+e.Object+" "+strconv.Itoa(e.Status)] = true
	}
	for _, want := range []string{"river-op camera.recordings cam-p 403", "river-op camera.export cam-p 403", "river-op anomaly.clip " + a.ID + " 404",
		"root anomaly.clip " + a.ID + " 206", "root camera.export cam-p 200"} {
		if !seen[want] {
			t.Errorf("audit lacks %q", want)
		}
	}

	consolePlays(t, httpURL, a)
	if strings.Contains(gwLog.String(), playbackEdgeHTTP) {
		t.Error("the gateway's log shows the edges' token")
	}
}

// consolePlays signs chem-op in to the console in Chromium: the alert's
// clip plays with its start and box, then the camera's timeline plays
// from the anomaly's marker.
func consolePlays(t *testing.T, httpURL string, a store.Anomaly) {
	ctx := peers.Chromium(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(rctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	do("sign in", chromedp.Navigate(httpURL+"/#/alerts"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-user"]`), "chem-op"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), "chem-op password"),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="alert"][data-id="`+a.ID+`"]`)))
	do("play the clip", chromedp.Click(chromedp.CSS(`[data-testid="alert"][data-id="`+a.ID+`"] [data-testid="clip-play"]`)))
	type played struct {
		Err, Ready     int
		Time, Offset   float64
		Start, BoxData string
	}
	poll := func(what, js string) played {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		res, err := chromedp.Run(rctx, chromedp.Poll[played](js))
		if err != nil {
			t.Fatalf("%s: %v; the videos: %s", what, err, peers.Eval[string](t, ctx, `JSON.stringify([...document.querySelectorAll('video')].map((v) => ({
				id: v.dataset.testid, src: v.currentSrc, ready: v.readyState, net: v.networkState, paused: v.paused, time: v.currentTime,
				err: v.error && v.error.code, buffered: v.buffered.length ? [v.buffered.start(0), v.buffered.end(0)] : []})))`))
		}
		if res.Err != 0 {
			t.Fatalf("%s: media error %d", what, res.Err)
		}
		return res
	}
	clip := poll("the clip plays past 1.5 s", `(() => {
		const p = document.querySelector('[data-testid="clip-panel"]'), v = p && p.querySelector('video');
		if (!v) return null;
		if (v.error) return {err: v.error.code};
		if (v.readyState < 2 || v.currentTime < 1.5) return null;
		return {ready: v.readyState, time: v.currentTime, offset: Number(p.dataset.offset), start: p.dataset.start,
			boxdata: p.querySelector('[data-testid="clip-box"]').dataset.box};
	})()`)
	if clip.Offset < 9 {
		t.Errorf("the console places the anomaly %.2f s into the clip, want ≥ 9", clip.Offset)
	}
	if clip.BoxData != fmt.Sprintf("%g,%g,%g,%g", a.Box[0], a.Box[1], a.Box[2], a.Box[3]) {
		t.Errorf("clip box %q, want the anomaly's %v", clip.BoxData, a.Box)
	}
	t.Logf("console clip: readyState %d at %.2f s, anomaly at %.2f s, start %s", clip.Ready, clip.Time, clip.Offset, clip.Start)

	do("close the clip, open the timeline", chromedp.Click(chromedp.CSS(`[data-testid="clip-close"]`)),
		chromedp.Navigate(httpURL+"/#/timeline/cam-p"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="tl-marker"][data-id="`+a.ID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="tl-span"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="tl-marker"][data-id="`+a.ID+`"]`)))
	want := float64(a.StartedAt.Add(-5 * time.Second).UnixMilli())
	tl := poll("the timeline plays from the marker", `(() => {
		const v = document.querySelector('[data-testid="tl-video"]'), now = document.querySelector('[data-testid="tl-now"]');
		if (v.error) return {err: v.error.code};
		const at = Number(now.dataset.at || 0);
		if (v.readyState < 2 || !at || at < `+strconv.FormatFloat(want, 'f', 0, 64)+` + 1000) return null;
		return {ready: v.readyState, time: (at - `+strconv.FormatFloat(want, 'f', 0, 64)+`) / 1000};
	})()`)
	if tl.Time > 20 {
		t.Errorf("the timeline plays %.1f s past the marker's 5 s before the anomaly: it did not start there", tl.Time)
	}
}

// getRange sends a GET with a bearer token and, when rng is set, a Range; it
// returns the response and its body.
func getRange(t *testing.T, u, token, rng string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}
