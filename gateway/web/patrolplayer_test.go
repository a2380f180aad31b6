package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
)

// TestBrowserPatrolPlayer plays a patrol's recording with the console's
// patrolplayer.js in headless Chromium: the video plays, and seeking it
// puts the drone on the plan where the track had it at that moment
// (interpolated between the 2 Hz points). Simulated: the gateway's two
// patrol routes, answered here with what the edge serves — a fragmented
// MP4 that ffmpeg encodes (the edge's own recordings are tested in
// edge/record) and a straight-line track that starts with the video.
func TestBrowserPatrolPlayer(t *testing.T) {
	peers.Need(t, "ffmpeg", "ffmpeg")
	mp4 := filepath.Join(t.TempDir(), "patrol.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "6",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10", "-movflags", "frag_keyframe+empty_moov+default_base_moof", mp4).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	type point struct {
		Time    time.Time `json:"time"`
		Lat     float64   `json:"lat"`
		Lon     float64   `json:"lon"`
		Alt     float64   `json:"alt"`
		Heading float64   `json:"heading"`
		Mode    string    `json:"mode"`
		State   string    `json:"state"`
	}
	var points []point
	for i := 0; i <= 12; i++ { // every 0.5 s for 6 s
		s := float64(i) / 2
		points = append(points, point{Time: start.Add(time.Duration(i) * 500 * time.Millisecond), Lat: 22.5 + 0.001*s, Lon: 114 + 0.002*s,
			Alt: 40, Heading: 90, Mode: "AUTO", State: "waypoint"})
	}
	mux := http.NewServeMux()
	mux.Handle("/", Handler())
	mux.HandleFunc("GET /api/drones/d1/patrols/p1/track", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"patrol": "p1", "flying": false, "points": points,
			"recordings": []map[string]any{{"start": start, "end": start.Add(6 * time.Second), "bytes": 1, "url": "/api/drones/d1/patrols/p1/recording?part=0"}}})
	})
	mux.HandleFunc("GET /api/drones/d1/patrols/p1/recording", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("part") != "0" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Argus-Start", start.Format(time.RFC3339Nano))
		http.ServeFile(w, r, mp4)
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	ctx, errs := openConsole(t, hs.URL+"/")

	type seen struct {
		Err      int     `json:"err"`
		Duration float64 `json:"duration"`
		Time     float64 `json:"time"`
		Lat      float64 `json:"lat"`
		Lon      float64 `json:"lon"`
		Arrow    string  `json:"arrow"`
		Status   string  `json:"status"`
	}
	plan := `{site: 's', geofence: [{lat: 22.499, lon: 113.999}, {lat: 22.507, lon: 113.999}, {lat: 22.507, lon: 114.013}, {lat: 22.499, lon: 114.013}], routes: [], cameras: []}`
	got := eval[seen](t, ctx, fmt.Sprintf(`import('/assets/js/views/patrolplayer.js').then(async (m) => {
		const p = m.patrolPlayer({id: 'd1', airspace: %s, home: {lat: 22.5, lon: 114}}, 'p1');
		document.body.append(p.el);
		const v = p.el.querySelector('[data-testid="patrol-video"]');
		v.muted = true;
		const until = (ok, ms) => new Promise((res, rej) => {
			const t0 = Date.now();
			const tick = () => ok() ? res() : Date.now() - t0 > ms ? rej(new Error('timed out')) : setTimeout(tick, 50);
			tick();
		});
		await until(() => v.error || v.readyState >= 1, 20000);
		if (v.error) return {err: v.error.code};
		await v.play();
		await until(() => v.error || v.currentTime > 1, 20000);
		v.pause();
		const seeked = new Promise((r) => v.addEventListener('seeked', r, {once: true}));
		v.currentTime = 3.2;
		await seeked;
		const a = p.el.querySelector('[data-testid="drone-arrow"]');
		return {err: v.error ? v.error.code : 0, duration: v.duration, time: v.currentTime,
			lat: Number(p.el.dataset.lat), lon: Number(p.el.dataset.lon), arrow: a.dataset.lat + ',' + a.dataset.lon,
			status: p.el.querySelector('[data-testid="patrol-rec-status"]').textContent};
	})`, plan))
	if got.Err != 0 {
		t.Fatalf("chromium media error %d playing the patrol's video", got.Err)
	}
	wantLat, wantLon := 22.5+0.001*got.Time, 114+0.002*got.Time
	if got.Time < 3.1 || got.Time > 3.3 || abs(got.Lat-wantLat) > 2e-6 || abs(got.Lon-wantLon) > 2e-6 {
		t.Fatalf("at %.3fs of the video the drone is at %.6f,%.6f; want %.6f,%.6f (the track at that time)", got.Time, got.Lat, got.Lon, wantLat, wantLon)
	}
	if got.Arrow == "undefined,undefined" || got.Duration < 5.5 || got.Status != "13 track points, 1 video file" {
		t.Errorf("arrow at %s, duration %.2fs, status %q", got.Arrow, got.Duration, got.Status)
	}
	noErrors(t, errs)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
