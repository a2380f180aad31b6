package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
)

// fakeFleet is the fleet as the API sees it (simulated: the gateway's
// fleet wiring over NATS is tested in package main).
type fakeFleet struct {
	mu    sync.Mutex
	edges map[string]FleetEdge
	fail  bool
	calls []string
}

func (f *fakeFleet) FleetEdge(edge string) (FleetEdge, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.edges[edge]
	return e, ok
}

func (f *fakeFleet) FleetEdges() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.edges {
		out = append(out, id)
	}
	return out
}

func (f *fakeFleet) Drain(_ context.Context, edge, by string) error {
	return f.set(edge, "drain by "+by, true)
}

func (f *fakeFleet) Undrain(_ context.Context, edge string) error {
	return f.set(edge, "undrain", false)
}

func (f *fakeFleet) set(edge, call string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("backbone down")
	}
	f.calls = append(f.calls, edge+": "+call)
	e := f.edges[edge]
	e.Drained = on
	f.edges[edge] = e
	return nil
}

// /api/edges adds each edge's fleet view and the edges only the fleet
// knows; drain and undrain need an admin of every site, are audited with
// the edge, and answer 400, 409 and 503 as API.md says.
func TestEdgesFleetAndDrain(t *testing.T) {
	fl := &fakeFleet{edges: map[string]FleetEdge{
		"edge-b":   {Live: true, Capacity: 300, Assigned: 2, Epoch: 7},
		"edge-new": {Live: true, Capacity: 100},
	}}
	e := newEnv(t, func(o *Options) { o.Fleet = fl })
	root := e.login("root")
	var out struct {
		Items []struct {
			Edge  string
			State string
			Fleet *FleetEdge
		}
	}
	_, b := e.do("GET", "/api/edges?brief=1", root, nil)
	json.Unmarshal(b, &out)
	got := map[string]string{}
	for _, it := range out.Items {
		got[it.Edge] = it.State
		if it.Edge == "edge-b" && (it.Fleet == nil || it.Fleet.Assigned != 2 || it.Fleet.Epoch != 7) {
			t.Fatalf("edge-b's fleet view: %s", b)
		}
	}
	if got["edge-new"] != "online" || got["edge-b"] == "" {
		t.Fatalf("edges: %s", b)
	}

	cases := []struct {
		who, method, path string
		fail              bool
		want              int
	}{
		{"river-admin", "POST", "/api/edges/edge-b/drain", false, http.StatusForbidden},
		{"chief", "POST", "/api/edges/edge-b/drain", false, http.StatusForbidden},
		{"root", "POST", "/api/edges/Bad.Edge/drain", false, http.StatusBadRequest},
		{"root", "POST", "/api/edges/edge-b/drain", true, http.StatusServiceUnavailable},
		{"root", "POST", "/api/edges/edge-b/drain", false, http.StatusOK},
		{"root", "DELETE", "/api/edges/edge-b/drain", false, http.StatusOK},
	}
	for _, c := range cases {
		fl.mu.Lock()
		fl.fail = c.fail
		fl.mu.Unlock()
		resp, body := e.do(c.method, c.path, e.login(c.who), nil)
		if resp.StatusCode != c.want {
			t.Fatalf("%s %s as %s: %d %s, want %d", c.method, c.path, c.who, resp.StatusCode, body, c.want)
		}
		if a := e.lastAudit(); a.Who != c.who || a.Status != c.want || (c.want != http.StatusBadRequest && a.Object != "edge-b") {
			t.Fatalf("%s %s as %s: audit %+v", c.method, c.path, c.who, a)
		}
	}
	if len(fl.calls) != 2 || fl.calls[0] != "edge-b: drain by root" || fl.calls[1] != "edge-b: undrain" {
		t.Fatalf("fleet calls: %v", fl.calls)
	}

	none := newEnv(t)
	if resp, body := none.do("POST", "/api/edges/edge-b/drain", none.login("root"), nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("drain without a fleet: %d %s", resp.StatusCode, body)
	}
}
