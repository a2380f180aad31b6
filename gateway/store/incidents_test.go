package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// testIncidents writes an incident in steps (members, timeline, a member
// moving to an outage) and reads it back whole, open, filtered and scoped.
func testIncidents(t *testing.T, s store.Store) {
	ctx := context.Background()
	inc := store.Incident{ID: "repeat-a1", Rule: store.RuleRepeat, Kind: "camera_offline", Title: "camera_offline on cam-1",
		Site: "north", Sites: []string{"north"}, Severity: "medium", Highest: "medium", State: store.StatusOpen,
		Cameras: []string{"cam-1"}, Count: 1, First: t0, Last: t0}
	m1 := store.IncidentMember{Anomaly: "a1", Camera: "cam-1", Site: "north", Edge: "e1", Kind: "camera_offline", At: t0}
	if _, err := s.PutIncident(ctx, inc, []store.IncidentMember{m1}, []store.IncidentEntry{{At: t0, What: "start", Anomaly: "a1", Camera: "cam-1"}}); err != nil {
		t.Fatal(err)
	}
	out := store.Incident{ID: "outage-a2", Rule: store.RuleOutage, Kind: "camera_offline", Site: "north", Sites: []string{"north", "south"},
		Severity: "high", State: store.StatusOpen, Cause: "many cameras at once", Count: 2, First: t0, Last: t0.Add(time.Second)}
	m2 := store.IncidentMember{Anomaly: "a2", Camera: "cam-2", Site: "south", Kind: "camera_offline", At: t0.Add(time.Second)}
	if _, err := s.PutIncident(ctx, out, []store.IncidentMember{m1, m2}, []store.IncidentEntry{{At: t0, What: "merged", Text: "folded in repeat-a1"}}); err != nil {
		t.Fatal(err)
	}
	inc.State, inc.Merged = store.StatusResolved, "outage-a2"
	inc.Notes = []store.IncidentNote{{At: t0, By: "ann", Text: "seen"}}
	if _, err := s.PutIncident(ctx, inc, nil, []store.IncidentEntry{{At: t0.Add(time.Second), What: "merged", Text: "folded into outage-a2"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Incident(ctx, "repeat-a1")
	if err != nil {
		t.Fatal(err)
	}
	// The grouping's write resolved it (a merge) but its notes are people's: none were written through HandleIncident.
	if got.State != store.StatusResolved || got.Merged != "outage-a2" || len(got.Notes) != 0 || len(got.Timeline) != 2 ||
		got.Timeline[0].What != "start" || got.Timeline[1].What != "merged" || !got.First.Equal(t0) {
		t.Fatalf("read back %+v", got)
	}
	ms, err := s.IncidentMembers(ctx, "outage-a2", 0)
	if err != nil || len(ms) != 2 || ms[0] != m1 || ms[1].Anomaly != "a2" {
		t.Fatalf("outage members %+v, %v: want a1 moved in and a2", ms, err)
	}
	if ms, _ := s.IncidentMembers(ctx, "repeat-a1", 0); len(ms) != 0 {
		t.Fatalf("repeat-a1 still has members %+v after they moved", ms)
	}
	open, err := s.OpenIncidents(ctx, t0)
	if err != nil || len(open) != 1 || open[0].ID != "outage-a2" || open[0].Cause != out.Cause {
		t.Fatalf("open incidents %+v, %v: want the outage alone", open, err)
	}
	for _, q := range []struct {
		q    store.IncidentQuery
		want string
	}{
		{store.IncidentQuery{}, "repeat-a1 outage-a2"}, // same first time: id descending
		{store.IncidentQuery{Site: "south"}, "outage-a2"},
		{store.IncidentQuery{Sites: []string{"north"}, State: store.StatusResolved}, "repeat-a1"},
		{store.IncidentQuery{Sites: []string{}}, ""},
		{store.IncidentQuery{Kind: "fire"}, ""},
	} {
		if got := incidentIDs(t, s, q.q); got != q.want {
			t.Errorf("query %+v: %q, want %q", q.q, got, q.want)
		}
	}
	if _, err := s.Incident(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing incident: %v, want ErrNotFound", err)
	}
	if _, err := s.PutIncident(ctx, store.Incident{}, nil, nil); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("incident without id: %v, want ErrInvalid", err)
	}
}

// testIncidentPaging pages 7 incidents 3 at a time, newest first, none twice.
func testIncidentPaging(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 7 {
		inc := store.Incident{ID: fmt.Sprintf("i%d", i), Rule: store.RuleRepeat, Kind: "person", Site: "north",
			Severity: "low", State: store.StatusOpen, First: t0.Add(time.Duration(i/2) * time.Second), Last: t0}
		if _, err := s.PutIncident(ctx, inc, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	var all string
	q := store.IncidentQuery{Limit: 3}
	for range 4 {
		p, err := s.Incidents(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range p.Items {
			all += i.ID + " "
		}
		if q.Cursor = p.Next; p.Next == "" {
			break
		}
	}
	if want := "i6 i5 i4 i3 i2 i1 i0 "; all != want {
		t.Fatalf("pages %q, want %q", all, want)
	}
	if _, err := s.Incidents(ctx, store.IncidentQuery{Cursor: "garbage!"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad cursor: %v, want ErrInvalid", err)
	}
}

// incidentIDs lists the ids of the first page of q, space separated.
func incidentIDs(t *testing.T, s store.Store, q store.IncidentQuery) string {
	t.Helper()
	p, err := s.Incidents(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for i, inc := range p.Items {
		if i > 0 {
			out += " "
		}
		out += inc.ID
	}
	return out
}

// testIncidentPrune: a resolved incident older than the anomalies'
// retention goes with its members and timeline; an open one as old and a
// resolved recent one stay.
func testIncidentPrune(t *testing.T, s store.Store) {
	ctx := context.Background()
	put := func(id, state string, last time.Time) {
		inc := store.Incident{ID: id, Rule: store.RuleRepeat, Kind: "person", Site: "north", Severity: "low", State: state, First: last, Last: last}
		m := store.IncidentMember{Anomaly: "m-" + id, Camera: "cam", Site: "north", Kind: "person", At: last}
		if _, err := s.PutIncident(ctx, inc, []store.IncidentMember{m}, []store.IncidentEntry{{At: last, What: "start"}}); err != nil {
			t.Fatal(err)
		}
	}
	put("old-resolved", store.StatusResolved, t0)
	put("old-open", store.StatusOpen, t0)
	put("new-resolved", store.StatusResolved, t0.Add(48*time.Hour))
	p, err := s.Prune(ctx, store.Retention{Anomalies: 24 * time.Hour}, t0.Add(49*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if p.Incidents != 1 {
		t.Fatalf("pruned %d incidents, want 1", p.Incidents)
	}
	if got := incidentIDs(t, s, store.IncidentQuery{}); got != "new-resolved old-open" {
		t.Fatalf("left %q, want new-resolved old-open", got)
	}
	if ms, err := s.IncidentMembers(ctx, "old-resolved", 0); err != nil || len(ms) != 0 {
		t.Fatalf("pruned incident's members %+v, %v", ms, err)
	}
}
