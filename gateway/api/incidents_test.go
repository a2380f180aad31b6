package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/incidents"
	"github.com/argus-edge/argus/gateway/store"
)

// newIncidentEnv is newEnv with a real incident service on its store,
// which has grouped the two seeded anomalies into an incident each: ids
// "own" (riverside's, of a-river) and "other" (hillside's, of a-hill).
// The service tells the API's event stream, as main wires it.
func newIncidentEnv(t *testing.T) (e *env, svc *incidents.Service, ids map[string]string) {
	e = newEnv(t, func(o *Options) {
		var err error
		if svc, err = incidents.NewService(o.Store.(store.Store), incidents.Rules{}, incidents.Options{Log: zerolog.Nop()}); err != nil {
			t.Fatal(err)
		}
		o.Incidents = svc
	})
	t.Cleanup(svc.Subscribe(e.api.PublishIncident))
	for _, id := range []string{"a-river", "a-hill"} {
		a, err := e.st.Anomaly(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		svc.Observe(a)
	}
	ids = map[string]string{}
	for side, site := range sites {
		p, err := e.st.Incidents(context.Background(), store.IncidentQuery{Site: site})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("%s incidents %+v, %v: want one", site, p.Items, err)
		}
		ids[side] = p.Items[0].ID
	}
	return e, svc, ids
}

// The incidents' permission matrix: each role × each call × own and other
// site; another site's incident answers 404 like an unknown one, another
// site's listing 403; every call audited with its caller and status.
func TestIncidentPermissions(t *testing.T) {
	e, _, incidentIDs := newIncidentEnv(t)
	fams := []family{
		{"get", "GET", "/api/incidents/%s", nil, incidentIDs},
		{"list site", "GET", "/api/incidents?site=%s", nil, sites},
		{"ack", "POST", "/api/incidents/%s/ack", map[string]string{"note": "on it"}, incidentIDs},
		{"note", "POST", "/api/incidents/%s/notes", map[string]string{"text": "crew sent"}, incidentIDs},
		{"assign", "POST", "/api/incidents/%s/assign", map[string]string{"owner": "river-cmd"}, incidentIDs},
		{"resolve", "POST", "/api/incidents/%s/resolve", nil, incidentIDs},
	}
	want := map[string]map[string][2]int{
		"river-cmd":   {"get": {200, 404}, "list site": {200, 403}, "ack": {200, 404}, "note": {200, 404}, "assign": {200, 404}, "resolve": {200, 404}},
		"river-pilot": {"get": {200, 404}, "list site": {200, 403}, "ack": {403, 403}, "note": {403, 403}, "assign": {403, 403}, "resolve": {403, 403}},
		"hill-cmd":    {"get": {404, 200}, "list site": {403, 200}, "ack": {404, 200}, "note": {404, 200}, "assign": {404, 200}, "resolve": {404, 200}},
		"chief":       {"get": {200, 200}, "list site": {200, 200}, "ack": {200, 200}, "note": {200, 200}, "assign": {200, 200}, "resolve": {200, 200}},
	}
	for _, user := range []string{"river-pilot", "hill-cmd", "river-cmd", "chief"} {
		token := e.login(user)
		for _, f := range fams {
			for i, side := range []string{"own", "other"} {
				t.Run(fmt.Sprintf("%s/%s/%s", user, f.name, side), func(t *testing.T) {
					path := fmt.Sprintf(f.path, f.arg[side])
					resp, b := e.do(f.method, path, token, f.body)
					if resp.StatusCode != want[user][f.name][i] {
						t.Fatalf("%s %s: %d %s, want %d", f.method, path, resp.StatusCode, b, want[user][f.name][i])
					}
					if a := e.lastAudit(); a.Who != user || a.Status != resp.StatusCode || !strings.HasPrefix(a.Action, "incident.") {
						t.Fatalf("audit %+v", a)
					}
				})
			}
		}
	}
}

// An incident's life through the API: listed by the caller's sites, read
// with members and timeline, acknowledged, noted, assigned and resolved,
// each change an "incident" event for its site's users only; bad input
// answers 400 and changes nothing.
func TestIncidentLifecycle(t *testing.T) {
	e, _, ids := newIncidentEnv(t)
	own, other := ids["own"], ids["other"]
	river, hill := e.login("river-cmd"), e.login("hill-cmd")
	riverEvents, hillEvents := e.stream(river), e.stream(hill)
	next(t, riverEvents) // hello
	next(t, hillEvents)

	var page store.Page[store.Incident]
	resp, b := e.do("GET", "/api/incidents", river, nil)
	if json.Unmarshal(b, &page); resp.StatusCode != 200 || len(page.Items) != 1 || page.Items[0].ID != own {
		t.Fatalf("riverside list: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do("GET", "/api/incidents?state=closed", river, nil); resp.StatusCode != 400 {
		t.Fatalf("bad state: %d %s", resp.StatusCode, b)
	}
	steps := []struct {
		path string
		body map[string]string
		want func(store.Incident) bool
	}{
		{"ack", map[string]string{"note": "seen"}, func(i store.Incident) bool { return i.State == store.StatusAcknowledged }},
		{"notes", map[string]string{"text": "crew on the way"}, func(i store.Incident) bool { return len(i.Notes) == 2 }},
		{"assign", map[string]string{"owner": "river-cmd"}, func(i store.Incident) bool { return i.Owner == "river-cmd" }},
		{"resolve", map[string]string{"note": "false alarm"}, func(i store.Incident) bool { return i.State == store.StatusResolved }},
	}
	for _, st := range steps {
		resp, b := e.do("POST", "/api/incidents/"+own+"/"+st.path, river, st.body)
		var inc store.Incident
		if json.Unmarshal(b, &inc); resp.StatusCode != 200 || !st.want(inc) {
			t.Fatalf("%s: %d %s", st.path, resp.StatusCode, b)
		}
		// ack and resolve reach the member too: its anomaly event comes
		// beside the incident's, in either order.
		want := map[string]string{"incident": `"id":"` + own + `"`}
		if st.path == "ack" || st.path == "resolve" {
			want["anomaly"] = `"status":"` + map[string]string{"ack": "acknowledged", "resolve": "resolved"}[st.path] + `"`
		}
		for len(want) > 0 {
			ev, _ := next(t, riverEvents)
			if has, ok := want[ev.name]; !ok || !strings.Contains(ev.data, has) {
				t.Fatalf("%s: riverside event %+v, awaiting %v", st.path, ev, want)
			}
			delete(want, ev.name)
		}
	}
	if resp, b := e.do("POST", "/api/incidents/"+own+"/notes", river, map[string]string{"text": ""}); resp.StatusCode != 400 {
		t.Fatalf("empty note: %d %s", resp.StatusCode, b)
	}
	var detail incidentDetail
	resp, b = e.do("GET", "/api/incidents/"+own, river, nil)
	if json.Unmarshal(b, &detail); resp.StatusCode != 200 || len(detail.Members) != 1 || detail.Members[0].Anomaly != "a-river" {
		t.Fatalf("detail: %d %s", resp.StatusCode, b)
	}
	var whats []string
	for _, en := range detail.Timeline {
		whats = append(whats, en.What)
	}
	if got := strings.Join(whats, " "); got != "start ack note assign resolve" {
		t.Fatalf("timeline %q", got)
	}
	// The hillside user heard none of riverside's: its next events are its own incident's
	if resp, b := e.do("POST", "/api/incidents/"+other+"/ack", hill, nil); resp.StatusCode != 200 {
		t.Fatalf("hill ack: %d %s", resp.StatusCode, b)
	}
	// (its own incident's and its member's, in either order)
	want := map[string]string{"incident": `"id":"` + other + `"`, "anomaly": `"id":"a-hill"`}
	for len(want) > 0 {
		ev, _ := next(t, hillEvents)
		if has, ok := want[ev.name]; !ok || !strings.Contains(ev.data, has) {
			t.Fatalf("hillside event %+v, want only its own incident and member, awaiting %v", ev, want)
		}
		delete(want, ev.name)
	}
}

// An incident spanning two sites (a fire seen across the boundary) is
// seen by a user of either site, each with the members of its own only.
func TestIncidentAcrossSites(t *testing.T) {
	e, _, _ := newIncidentEnv(t)
	inc := store.Incident{ID: "area-x", Rule: store.RuleArea, Kind: "fire", Site: "riverside", Sites: []string{"hillside", "riverside"},
		Severity: "high", State: store.StatusOpen, First: e.clk.now(), Last: e.clk.now()}
	members := []store.IncidentMember{{Anomaly: "x1", Camera: "river-gate", Site: "riverside", Kind: "fire", At: e.clk.now()},
		{Anomaly: "x2", Camera: "hill-top", Site: "hillside", Kind: "smoke", At: e.clk.now()}}
	if _, err := e.st.PutIncident(context.Background(), inc, members, nil); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]string{"river-cmd": "x1", "hill-cmd": "x2", "chief": "x1 x2"} {
		var d incidentDetail
		resp, b := e.do("GET", "/api/incidents/area-x", e.login(user), nil)
		json.Unmarshal(b, &d)
		var got []string
		for _, m := range d.Members {
			got = append(got, m.Anomaly)
		}
		if resp.StatusCode != 200 || strings.Join(got, " ") != want {
			t.Errorf("%s: %d, members %v, want %s", user, resp.StatusCode, got, want)
		}
	}
}

// Resolving an incident through the API resolves its member anomalies
// (audited with the count); resolving the last open member of another
// incident through the anomaly endpoint resolves that incident (audited too).
func TestIncidentResolveActsOnMembers(t *testing.T) {
	e, _, ids := newIncidentEnv(t)
	ctx := context.Background()
	if resp, b := e.do("POST", "/api/incidents/"+ids["own"]+"/resolve", e.login("river-cmd"), map[string]string{"note": "false alarm"}); resp.StatusCode != 200 {
		t.Fatalf("resolve: %d %s", resp.StatusCode, b)
	}
	if a, _ := e.st.Anomaly(ctx, "a-river"); a.Status != store.StatusResolved || a.ResolvedBy != "river-cmd" {
		t.Fatalf("member a-river after the incident's resolve: %s by %q", a.Status, a.ResolvedBy)
	}
	if au := e.lastAudit(); au.Action != "incident.resolve" || au.Detail != "resolve 1 member anomalies" {
		t.Fatalf("audit %+v", au)
	}
	if resp, b := e.do("POST", "/api/anomalies/a-hill/resolve", e.login("hill-cmd"), map[string]string{}); resp.StatusCode != 200 {
		t.Fatalf("anomaly resolve: %d %s", resp.StatusCode, b)
	}
	inc, err := e.st.Incident(ctx, ids["other"])
	if err != nil || inc.State != store.StatusResolved || inc.Timeline[len(inc.Timeline)-1].By != "hill-cmd" {
		t.Fatalf("the last member resolved alone: incident %+v, %v; want it resolved by hill-cmd", inc, err)
	}
	if au := e.lastAudit(); !strings.Contains(au.Detail, "resolved incident "+ids["other"]) {
		t.Fatalf("audit %+v: want the incident's resolution named", au)
	}
}
