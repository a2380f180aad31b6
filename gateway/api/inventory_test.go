package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/argus-edge/argus/gateway/store"
)

// Real here as in the rest of the API's tests: handlers, access, the
// SQLite store, HTTP over loopback; the directory's catalog is the fake of
// fakes_test.go (river-gate owned by edge-a, hill-top by edge-b).

// raw sends body with a content type and a bearer token.
func (e *env) raw(method, path, token, contentType, body string) (*http.Response, []byte) {
	e.t.Helper()
	req := e.request(method, path, nil)
	req.Body = http.NoBody
	if body != "" {
		req = e.request(method, path, body)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

// camBody is a camera registration at site.
func camBody(id, site string) map[string]any {
	return map[string]any{"id": id, "site": site, "name": "Camera " + id, "main": "rtsp://10.1.0.1/" + id,
		"password_env": "CAM_PASSWORD", "location": map[string]float64{"lat": 45.07, "lon": 7.68}}
}

// Who may register: operators and admins of the camera's site, admins of
// every site anywhere; nobody without a session. Every answer is audited
// with the caller, and a registration with what it set.
func TestRegisterPermissions(t *testing.T) {
	e := newEnv(t)
	if resp, _ := e.do("POST", "/api/cameras", "", camBody("anon-1", "riverside")); resp.StatusCode != 401 {
		t.Fatalf("no session: %d", resp.StatusCode)
	}
	for i, c := range []struct {
		user, site string
		want       int
	}{
		{"river-op", "riverside", 201}, {"river-op", "hillside", 403},
		{"river-admin", "riverside", 201}, {"river-admin", "hillside", 403},
		{"root", "hillside", 201},
		{"river-cmd", "riverside", 403}, {"river-pilot", "riverside", 403}, {"chief", "riverside", 403},
	} {
		id := fmt.Sprintf("cam-%d", i)
		resp, b := e.do("POST", "/api/cameras", e.login(c.user), camBody(id, c.site))
		if resp.StatusCode != c.want {
			t.Errorf("%s registers at %s: %d %s, want %d", c.user, c.site, resp.StatusCode, b, c.want)
			continue
		}
		a := e.lastAudit()
		if a.Who != c.user || a.Action != "camera.create" || a.Status != c.want || a.Detail == "" {
			t.Errorf("audit %+v", a)
		}
		if c.want == 201 && (a.Object != id || a.Site != c.site || !strings.Contains(a.Detail, `main="rtsp://10.1.0.1/`+id+`"`)) {
			t.Errorf("audit of a registration: %+v", a)
		}
		_, err := e.st.Camera(context.Background(), id)
		if registered := err == nil; registered != (c.want == 201) {
			t.Errorf("%s at %s: registered %v after %d", c.user, c.site, registered, c.want)
		}
	}
	op := e.login("river-op")
	if resp, b := e.do("POST", "/api/cameras", op, camBody("cam-0", "riverside")); resp.StatusCode != 409 {
		t.Errorf("registered twice: %d %s", resp.StatusCode, b)
	}
	bad := camBody("cam-x", "riverside")
	bad["main"], bad["transport"] = "rtsp://admin:hunter2@10.1.0.1/x", "quic"
	resp, b := e.do("POST", "/api/cameras", op, bad)
	if resp.StatusCode != 422 || !strings.Contains(string(b), `"field":"main"`) || !strings.Contains(string(b), `"field":"transport"`) ||
		strings.Contains(string(b), "hunter2") {
		t.Errorf("inline password and bad transport: %d %s", resp.StatusCode, b)
	}
	if a := e.lastAudit(); strings.Contains(a.Detail, "hunter2") {
		t.Errorf("the audit quotes a password: %+v", a)
	}
}

// Changing and deleting: an operator of riverside may neither touch a
// hillside camera nor move one of hers to hillside; a change is audited
// field by field; a camera cannot be renamed through PUT.
func TestChangeAndDelete(t *testing.T) {
	e := newEnv(t)
	root, op := e.login("root"), e.login("river-op")
	for _, b := range []map[string]any{camBody("hill-9", "hillside"), camBody("river-9", "riverside")} {
		if resp, body := e.do("POST", "/api/cameras", root, b); resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	moved := camBody("river-9", "hillside")
	renamed := camBody("other", "riverside")
	changed := camBody("river-9", "riverside")
	changed["name"], changed["transport"] = "Bank east", "udp"
	delete(changed, "id")
	for _, c := range []struct {
		method, path string
		body         any
		want         int
		has          string
	}{
		{"PUT", "/api/cameras/hill-9", camBody("hill-9", "riverside"), 403, "hillside is not in your sites"},
		{"DELETE", "/api/cameras/hill-9", nil, 403, "hillside is not in your sites"},
		{"PUT", "/api/cameras/river-9", moved, 403, "hillside is not in your sites"},
		{"PUT", "/api/cameras/river-9", renamed, 422, "cannot be renamed"},
		{"PUT", "/api/cameras/river-9", changed, 200, `"name":"Bank east"`},
		{"PUT", "/api/cameras/river-10", camBody("river-10", "riverside"), 201, `"updated_by":"river-op"`},
		{"DELETE", "/api/cameras/river-9", nil, 204, ""},
		{"DELETE", "/api/cameras/river-9", nil, 404, "no registered camera"},
		{"GET", "/api/inventory/river-9", nil, 404, "no registered camera"},
		{"GET", "/api/inventory/hill-9", nil, 403, "not in your sites"},
	} {
		resp, b := e.do(c.method, c.path, op, c.body)
		if resp.StatusCode != c.want || !strings.Contains(string(b), c.has) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, resp.StatusCode, b, c.want, c.has)
		}
		if c.method == "PUT" && c.want == 200 {
			if a := e.lastAudit(); a.Action != "camera.update" || !strings.Contains(a.Detail, `name: "Camera river-9" → "Bank east"`) ||
				!strings.Contains(a.Detail, `transport: "tcp" → "udp"`) || strings.Contains(a.Detail, "site:") {
				t.Errorf("audit of a change: %+v", a)
			}
		}
	}
	if a := e.lastAudit(); a.Action != "inventory.get" {
		t.Errorf("last audit %+v", a)
	}
	p, _ := e.st.AuditLog(context.Background(), store.AuditQuery{Action: "camera.delete", Who: "river-op"})
	if len(p.Items) != 3 || p.Items[1].Status != 204 || !strings.Contains(p.Items[1].Detail, "deleted") {
		t.Errorf("delete audits %+v", p.Items)
	}
}

// The inventory listing is scoped, searchable and paged, and merges the
// directory's owner edge and state; the cameras listing names the owner.
func TestInventoryListing(t *testing.T) {
	e := newEnv(t)
	root := e.login("root")
	body := "id,site,name,main\n" +
		"river-gate,riverside,Gate,rtsp://10.0.0.1/g\n" +
		"river-new,riverside,New,rtsp://10.0.0.1/n\n" +
		"hill-top,hillside,Top,rtsp://10.0.0.2/t\n"
	if resp, b := e.raw("POST", "/api/cameras/import", root, "text/csv", body); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var page struct {
		Items []inventoryItem
		Next  string
	}
	resp, b := e.do("GET", "/api/inventory?limit=1", e.login("river-cmd"), nil)
	json.Unmarshal(b, &page)
	if resp.StatusCode != 200 || len(page.Items) != 1 || page.Items[0].ID != "river-gate" || page.Items[0].OwnerEdge != "edge-a" ||
		page.Items[0].State != "online" || page.Next != "river-gate" {
		t.Fatalf("first page: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do("GET", "/api/inventory?cursor=river-gate", e.login("river-cmd"), nil)
	page.Items = nil
	json.Unmarshal(b, &page)
	if len(page.Items) != 1 || page.Items[0].ID != "river-new" || page.Items[0].State != "unknown" || page.Next != "" {
		t.Fatalf("second page (hill-top is not riverside's): %s", b)
	}
	for _, c := range []struct {
		path string
		want int
		has  string
	}{
		{"/api/inventory?q=TOP", 200, `"id":"hill-top"`},
		{"/api/inventory?site=hillside", 403, "not in your sites"},
		{"/api/inventory/counts", 200, `{"site":"riverside","cameras":2,"disabled":0}`},
		{"/api/cameras/river-gate", 200, `"owner_edge":"edge-a"`},
	} {
		token := root
		if c.want == 403 {
			token = e.login("river-op")
		}
		if resp, b := e.do("GET", c.path, token, nil); resp.StatusCode != c.want || !strings.Contains(string(b), c.has) {
			t.Errorf("GET %s: %d %s, want %d with %s", c.path, resp.StatusCode, b, c.want, c.has)
		}
	}
}

// capacities is the fleet's capacity provider as the API sees it: a map.
type capacities map[string]float64

func (c capacities) Capacity(edge string) (float64, bool) { v, ok := c[edge]; return v, ok }

// Edges show cameras owned, capacity (null when unknown) and last seen,
// counted within the caller's sites.
func TestEdgesLoad(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Capacity = capacities{"edge-b": 300} })
	var out struct{ Items []map[string]any }
	_, b := e.do("GET", "/api/edges", e.login("root"), nil)
	json.Unmarshal(b, &out)
	if len(out.Items) != 2 || out.Items[0]["capacity"] != nil || out.Items[1]["capacity"] != 300.0 ||
		out.Items[1]["cameras_owned"] != 2.0 || out.Items[0]["cameras_owned"] != 1.0 {
		t.Fatalf("edges: %s", b)
	}
	out.Items = nil
	_, b = e.do("GET", "/api/edges?brief=1", e.login("hill-cmd"), nil)
	json.Unmarshal(b, &out)
	if len(out.Items) != 1 || out.Items[0]["edge"] != "edge-b" || out.Items[0]["cameras_owned"] != 1.0 || out.Items[0]["cameras"] != nil {
		t.Fatalf("edges of hillside, brief: %s", b)
	}
}
