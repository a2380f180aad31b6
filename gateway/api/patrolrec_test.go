package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bearer"
	"github.com/argus-edge/argus/gateway/edgehttp"
)

// A patrol's track and video through the gateway. SIMULATED: the edge's
// :9100 (an httptest server answering as edge/record's patrol handlers
// do, the real ones being shown in edge TestEdgeFliesADrone) and the edge
// holding the drones (droneEnv). Real: the API, gateway/patrol, the
// edgehttp client over loopback.
func TestPatrolRecordingThroughTheGateway(t *testing.T) {
	video := bytes.Repeat([]byte("patrol-video-"), 4096)
	start := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	var asked []string
	edge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := bearer.Token(r); !ok || tok != edgeToken {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		asked = append(asked, r.URL.RequestURI())
		switch {
		case r.URL.Path == "/api/patrols/p-7/track" && r.URL.Query().Get("drone") == "river-1":
			json.NewEncoder(w).Encode(map[string]any{"patrol": "p-7", "flying": false,
				"points":     []map[string]any{{"time": start, "lat": 30.1, "lon": 120.2}},
				"recordings": []map[string]any{{"start": start, "end": start.Add(time.Minute), "bytes": len(video), "url": "/api/patrols/p-7/recording?part=0"}}})
		case r.URL.Path == "/api/patrols/p-7/recording" && r.URL.Query().Get("drone") == "river-1":
			w.Header().Set("X-Argus-Start", start.Format(time.RFC3339Nano))
			http.ServeContent(w, r, "p.mp4", start, bytes.NewReader(video))
		default:
			http.Error(w, "no such patrol of this drone", http.StatusNotFound)
		}
	}))
	t.Cleanup(edge.Close)
	d := newDroneEnv(t)
	d.api.opts.EdgeFiles = edgehttp.New(edgehttp.Options{Token: edgeToken, AnswerTimeout: 5 * time.Second, ConnectTimeout: time.Second,
		Log: zerolog.New(io.Discard), Locate: func(e string) (string, bool) { return edge.URL, e == "edge-a" }})
	op := d.login("river-op")

	req := d.request("GET", "/api/drones/river-1/patrols/p-7/track", nil)
	req.Header.Set("Authorization", "Bearer "+op)
	resp, body := d.send(req)
	var tr struct {
		Points     []map[string]any `json:"points"`
		Recordings []segmentItem    `json:"recordings"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tr) != nil || len(tr.Points) != 1 || len(tr.Recordings) != 1 {
		t.Fatalf("track: %d %s", resp.StatusCode, body)
	}
	if want := "/api/drones/river-1/patrols/p-7/recording?part=0"; tr.Recordings[0].URL != want {
		t.Fatalf("the video's URL is %q, want the gateway's %q", tr.Recordings[0].URL, want)
	}

	req = d.request("GET", tr.Recordings[0].URL, nil)
	req.Header.Set("Authorization", "Bearer "+op)
	req.Header.Set("Range", "bytes=13-25")
	resp, body = d.send(req)
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, video[13:26]) || resp.Header.Get("X-Argus-Start") == "" {
		t.Fatalf("recording range: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if a := d.lastAudit(); a.Action != "patrol.recording" || a.Site != "riverside" || a.Status != http.StatusPartialContent {
		t.Fatalf("audit: %+v", a)
	}

	// Another site's commander: the drone is not theirs (404 as its record),
	// and the edge is never asked.
	n := len(asked)
	req = d.request("GET", "/api/drones/river-1/patrols/p-7/recording", nil)
	req.Header.Set("Authorization", "Bearer "+d.login("hill-cmd"))
	if resp, body = d.send(req); resp.StatusCode != http.StatusNotFound || len(asked) != n {
		t.Fatalf("another site's user: %d %s (edge asked %v)", resp.StatusCode, body, asked[n:])
	}
	if a := d.lastAudit(); a.Action != "patrol.recording" || a.Status != http.StatusNotFound || !strings.Contains(a.Detail, "outside") {
		t.Fatalf("refusal audit: %+v", a)
	}
	// A patrol the edge does not hold for this drone: the edge's 404, its reason passed on.
	req = d.request("GET", "/api/drones/river-1/patrols/p-8/recording", nil)
	req.Header.Set("Authorization", "Bearer "+op)
	if resp, body = d.send(req); resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "no such patrol") {
		t.Fatalf("unknown patrol: %d %s", resp.StatusCode, body)
	}
}
