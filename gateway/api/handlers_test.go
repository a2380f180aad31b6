package api

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/rulesets/rulesetstest"
)

// Rule sets through the real workflow: 422 with the edge's problems, 409
// on a conflict, the author recorded, what is live retained on MQTT; an
// operator refused on another site's rules, a pilot on any.
func TestRules(t *testing.T) {
	e := newEnv(t)
	op := e.login("river-op")
	invalid := strings.Replace(ruleDoc(t, "riverside", 2), "kind: person", "kind: dragon", 1)
	resp, b := e.do("POST", "/api/sites/riverside/rules/validate", op, invalid)
	var bad struct {
		Error    string
		Problems []problem
	}
	json.Unmarshal(b, &bad)
	if resp.StatusCode != 422 || len(bad.Problems) == 0 || bad.Problems[0].Line == 0 ||
		!strings.Contains(bad.Problems[0].Field, "kind") || !strings.Contains(bad.Problems[0].Message, "dragon") {
		t.Fatalf("invalid: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit(); a.Action != "rules.validate" || a.Status != 422 || a.Site != "riverside" {
		t.Fatalf("audit %+v", a)
	}
	for _, c := range []struct {
		method, path string
		body         any
		want         int
		has          string
	}{
		{"POST", "/api/sites/riverside/rules/validate", ruleDoc(t, "riverside", 2), 200, `"version":2`},
		{"POST", "/api/sites/riverside/rules/validate", ruleDoc(t, "hillside", 2), 409, "hillside"},
		{"PUT", "/api/sites/riverside/rules/shadow", ruleDoc(t, "riverside", 1), 409, "not above"},
		{"PUT", "/api/sites/riverside/rules/shadow", ruleDoc(t, "riverside", 2), 200, `"author":"river-op"`},
		{"PUT", "/api/sites/riverside/rules/shadow", "", 400, "empty body"},
		{"GET", "/api/sites/riverside/rules", nil, 200, `"stage":"shadow"`},
		{"GET", "/api/sites/riverside/rules/compare", nil, 200, `"shadow_version":2`},
		{"GET", "/api/sites/riverside/rules/compare?from=yesterday", nil, 400, "RFC 3339"},
		{"POST", "/api/sites/riverside/rules/promote", map[string]int{}, 200, `"version":2`},
		{"POST", "/api/sites/riverside/rules/promote", map[string]int{}, 409, "no shadow"},
		{"POST", "/api/sites/riverside/rules/rollback", map[string]int{"version": 1}, 200, `"version":3`},
		{"POST", "/api/sites/riverside/rules/rollback", map[string]int{"version": 9}, 404, "not found"},
		{"POST", "/api/sites/riverside/rules/rollback", map[string]int{}, 400, "version"},
		{"PUT", "/api/sites/riverside/rules/shadow", ruleDoc(t, "riverside", 4), 200, `"version":4`},
		{"DELETE", "/api/sites/riverside/rules/shadow", nil, 200, "ok"},
		{"GET", "/api/sites/Bad%20Site/rules", nil, 400, "site"},
		{"PUT", "/api/sites/hillside/rules/shadow", ruleDoc(t, "hillside", 2), 403, "not in your sites"},
		{"GET", "/api/sites/hillside/rules", nil, 403, "not in your sites"},
	} {
		resp, b := e.do(c.method, c.path, op, c.body)
		if resp.StatusCode != c.want || !strings.Contains(string(b), c.has) {
			t.Errorf("%s %s: %d %.300s, want %d with %q", c.method, c.path, resp.StatusCode, b, c.want, c.has)
		}
	}
	live := rulesetstest.Retained(t, e.mqtt)[bus.RulesTopic("riverside")]
	if !strings.Contains(live, `"version":3`) && !strings.Contains(live, "version: 3") {
		t.Errorf("retained live rule set of riverside is not version 3: %.200s", live)
	}
	pilot := e.login("river-pilot")
	if resp, _ := e.do("PUT", "/api/sites/riverside/rules/shadow", pilot, ruleDoc(t, "riverside", 5)); resp.StatusCode != 403 {
		t.Errorf("pilot edits rules: %d", resp.StatusCode)
	}
}

// Listings show only the caller's sites: cameras (with total and paging),
// anomalies, edges (naming only the caller's cameras), sites and the wall.
func TestListingsAreScoped(t *testing.T) {
	e := newEnv(t)
	river, chief := e.login("river-cmd"), e.login("chief")
	get := func(token, path string, v any) {
		t.Helper()
		resp, b := e.do("GET", path, token, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	var cams struct {
		Items []cameraItem
		Next  string
		Total int
	}
	get(river, "/api/cameras?limit=1", &cams)
	if cams.Total != 2 || len(cams.Items) != 1 || cams.Items[0].Camera != "river-bank" || cams.Next == "" {
		t.Fatalf("first page %+v", cams)
	}
	get(river, "/api/cameras?limit=1&cursor="+url.QueryEscape(cams.Next), &cams)
	if len(cams.Items) != 1 || cams.Items[0].Camera != "river-gate" || cams.Next != "" {
		t.Fatalf("second page %+v", cams)
	}
	get(chief, "/api/cameras?q=TOP", &cams)
	if cams.Total != 1 || cams.Items[0].Camera != "hill-top" || !cams.Items[0].OnWall {
		t.Fatalf("search %+v", cams)
	}
	get(chief, "/api/cameras?state=offline", &cams)
	if cams.Total != 1 || cams.Items[0].Camera != "river-bank" {
		t.Fatalf("state %+v", cams)
	}
	var anomalies struct{ Items []struct{ ID string } }
	get(river, "/api/anomalies", &anomalies)
	if len(anomalies.Items) != 1 || anomalies.Items[0].ID != "a-river" {
		t.Fatalf("anomalies %+v", anomalies)
	}
	get(chief, "/api/anomalies", &anomalies)
	if len(anomalies.Items) != 2 || anomalies.Items[0].ID != "a-river" {
		t.Fatalf("anomalies, newest first %+v", anomalies)
	}
	get(chief, "/api/anomalies?shadow=true", &anomalies)
	if len(anomalies.Items) != 0 {
		t.Fatalf("shadow anomalies %+v", anomalies)
	}
	var edges struct {
		Items []struct {
			Edge          string
			Cameras       []string
			CamerasOnline int `json:"cameras_online"`
		}
	}
	get(river, "/api/edges", &edges)
	if len(edges.Items) != 2 || strings.Join(edges.Items[1].Cameras, ",") != "river-bank" {
		t.Fatalf("edges %+v", edges)
	}
	// edge-b's one camera online is hillside's: riverside's share is none.
	if edges.Items[1].CamerasOnline != 0 || edges.Items[0].CamerasOnline != 1 {
		t.Fatalf("riverside's cameras online per edge %+v, want edge-a 1 and edge-b 0", edges)
	}
	get(chief, "/api/edges", &edges)
	if edges.Items[1].CamerasOnline != 1 {
		t.Fatalf("every site's caller: edge-b %+v, want its own count, 1", edges.Items[1])
	}
	var sites struct{ Items []SiteSummary }
	get(river, "/api/sites", &sites)
	if len(sites.Items) != 1 || sites.Items[0] != (SiteSummary{Site: "riverside", Cameras: 2, Online: 1, Offline: 1}) {
		t.Fatalf("sites %+v", sites)
	}
	var wall struct{ Items []struct{ Camera string } }
	get(river, "/api/wall", &wall)
	if len(wall.Items) != 0 {
		t.Fatalf("another site's wall shows: %+v", wall)
	}
	for _, bad := range []string{"/api/anomalies?shadow=maybe", "/api/anomalies?limit=501", "/api/anomalies?status=closed", "/api/cameras?state=asleep", "/api/anomalies?from=noon"} {
		if resp, b := e.do("GET", bad, chief, nil); resp.StatusCode != 400 {
			t.Errorf("GET %s: %d %s, want 400", bad, resp.StatusCode, b)
		}
	}
}

// Acknowledge and resolve record who, the snapshot is a JPEG, the wall
// takes and dismisses cameras.
func TestHandling(t *testing.T) {
	e := newEnv(t)
	chief := e.login("chief")
	resp, b := e.do("POST", "/api/anomalies/a-river/ack", chief, map[string]string{"note": "patrol sent"})
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"status":"acknowledged","acknowledged_by":"chief"`) || !strings.Contains(string(b), "patrol sent") {
		t.Fatalf("ack: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit(); a.Action != "anomaly.ack" || a.Object != "a-river" || a.Site != "riverside" || a.Status != 200 {
		t.Fatalf("audit %+v", a)
	}
	if resp, b := e.do("POST", "/api/anomalies/a-river/resolve", chief, nil); resp.StatusCode != 200 || !strings.Contains(string(b), `"resolved_by":"chief"`) {
		t.Fatalf("resolve: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do("GET", "/api/anomalies/a-river/snapshot", chief, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || string(b) != string(jpeg) {
		t.Fatalf("snapshot: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := e.do("GET", "/api/anomalies/none", chief, nil); resp.StatusCode != 404 {
		t.Fatalf("unknown anomaly: %d", resp.StatusCode)
	}
	if resp, b := e.do("POST", "/api/wall", chief, map[string]string{"camera": "river-gate"}); resp.StatusCode != 201 || !strings.Contains(string(b), `"camera":"river-gate"`) {
		t.Fatalf("wall add: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("POST", "/api/wall", chief, map[string]string{"camera": "nowhere"}); resp.StatusCode != 404 {
		t.Fatalf("wall add unknown: %d", resp.StatusCode)
	}
	river := e.login("river-cmd")
	if resp, _ := e.do("DELETE", "/api/wall/hill-top", river, nil); resp.StatusCode != 403 {
		t.Fatalf("dismiss another site's tile: %d", resp.StatusCode)
	}
	if resp, b := e.do("DELETE", "/api/wall/river-gate", river, nil); resp.StatusCode != 200 || strings.Contains(string(b), "river-gate") {
		t.Fatalf("dismiss: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("DELETE", "/api/wall/river-gate", river, nil); resp.StatusCode != 404 {
		t.Fatalf("dismiss twice: %d", resp.StatusCode)
	}
}
