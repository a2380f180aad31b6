package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
)

// Simulated incidents: a site outage of 120 cameras and a fire seen by
// two cameras, as gateway/incidents would group them.
var (
	fakeOutage = map[string]any{"id": "outage-o1", "rule": "outage", "kind": "camera_offline", "site": "riverside", "sites": []string{"riverside"},
		"title": "Site outage at riverside: 120 cameras offline (edge lost: edge-2)", "severity": "high", "state": "open",
		"cause": "edge lost: edge-2", "count": 120, "first": "2026-12-01T04:58:00Z", "last": "2026-12-01T04:59:00Z"}
	fakeFire = map[string]any{"id": "area-a1", "rule": "area", "kind": "fire", "site": "riverside", "sites": []string{"riverside"},
		"title": "fire seen by 2 cameras near cam5", "severity": "critical", "state": "open", "count": 2,
		"first": "2026-12-01T05:00:00Z", "last": "2026-12-01T05:00:20Z"}
)

// incidentCall answers the incidents' calls; false for any other.
func (f *fakeAPI) incidentCall(w http.ResponseWriter, r *http.Request, user string) bool {
	switch p := r.Method + " " + r.URL.Path; {
	case p == "GET /api/incidents":
		writeJSON(w, 200, map[string]any{"items": []any{fakeFire, fakeOutage}})
	case p == "GET /api/incidents/area-a1":
		d := maps.Clone(fakeFire)
		d["timeline"] = []any{
			map[string]any{"at": "2026-12-01T05:00:00Z", "what": "start", "anomaly": "a1", "camera": "cam5", "kind": "fire"},
			map[string]any{"at": "2026-12-01T05:00:20Z", "what": "start", "anomaly": "a3", "camera": "cam7", "kind": "smoke"}}
		d["members"] = []any{
			map[string]any{"anomaly": "a1", "camera": "cam5", "site": "riverside", "kind": "fire"},
			map[string]any{"anomaly": "a3", "camera": "cam7", "site": "riverside", "kind": "smoke"}}
		writeJSON(w, 200, d)
	case r.Method == "POST" && strings.HasPrefix(p, "POST /api/incidents/area-a1/"):
		verb := strings.TrimPrefix(r.URL.Path, "/api/incidents/area-a1/")
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		d := maps.Clone(fakeFire)
		switch verb {
		case "ack":
			d["state"] = "acknowledged"
		case "assign":
			d["owner"] = body["owner"]
		}
		f.acts <- fmt.Sprintf("%s %s %v", verb, user, body)
		writeJSON(w, 200, d)
	default:
		return false
	}
	return true
}
