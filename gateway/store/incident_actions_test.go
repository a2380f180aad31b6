package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// testIncidentHandling: acknowledging an incident acknowledges its open
// members (one already resolved keeps its resolution), resolving resolves
// every member not resolved, each with who and when, in one transaction;
// a refused action writes nothing; the grouping's later writes keep
// people's state, owner and notes; IncidentOfAnomaly counts the members
// still to resolve.
func testIncidentHandling(t *testing.T, s store.Store) {
	ctx := context.Background()
	var members []store.IncidentMember
	for i, id := range []string{"f1", "f2", "f3"} {
		e := event(id, uint64(i+1), bus.StateStart, "north", "cam-"+id, time.Duration(i)*time.Second)
		e.Kind = bus.KindFire
		put(t, s, e)
		members = append(members, store.IncidentMember{Anomaly: id, Camera: e.Camera, Site: "north", Kind: bus.KindFire, At: t0})
	}
	if _, err := s.Resolve(ctx, "f3", "bo", "", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	inc := store.Incident{ID: "area-f1", Rule: store.RuleArea, Kind: bus.KindFire, Site: "north", Severity: "high",
		State: store.StatusOpen, Count: 3, First: t0, Last: t0}
	if _, err := s.PutIncident(ctx, inc, members, nil); err != nil {
		t.Fatal(err)
	}
	if id, open, err := s.IncidentOfAnomaly(ctx, "f2"); err != nil || id != "area-f1" || open != 2 {
		t.Fatalf("IncidentOfAnomaly(f2) = %q, %d, %v; want area-f1 with 2 open", id, open, err)
	}
	if id, _, err := s.IncidentOfAnomaly(ctx, "none"); err != nil || id != "" {
		t.Fatalf("IncidentOfAnomaly(none) = %q, %v; want none", id, err)
	}
	at := t0.Add(time.Minute)
	act := func(state, owner, note string) func(*store.Incident) (store.IncidentEntry, error) {
		return func(i *store.Incident) (store.IncidentEntry, error) {
			i.State, i.Owner = state, owner
			if note != "" {
				i.Notes = append(i.Notes, store.IncidentNote{At: at, By: "ann", Text: note})
			}
			return store.IncidentEntry{At: at, What: state, By: "ann"}, nil
		}
	}
	got, n, err := s.HandleIncident(ctx, "area-f1", act(store.StatusAcknowledged, "ann", "on it"), store.StatusAcknowledged)
	if err != nil || n != 2 || got.State != store.StatusAcknowledged {
		t.Fatalf("ack: %+v, %d members, %v; want acknowledged and 2 members", got, n, err)
	}
	if a := get(t, s, "f1"); a.Status != store.StatusAcknowledged || a.AcknowledgedBy != "ann" || !a.AcknowledgedAt.Equal(at) {
		t.Fatalf("member f1 after the incident's ack: %+v", a)
	}
	if a := get(t, s, "f3"); a.Status != store.StatusResolved || a.ResolvedBy != "bo" {
		t.Fatalf("member f3, resolved before, after the ack: %+v", a)
	}
	// The grouping writes the incident again from its own (older) copy.
	inc.Count, inc.Last = 4, at
	if w, err := s.PutIncident(ctx, inc, nil, nil); err != nil || w.State != store.StatusAcknowledged || w.Owner != "ann" || len(w.Notes) != 1 {
		t.Fatalf("grouping's write over people's: %+v, %v; want acknowledged, owner and note kept", w, err)
	}
	refuse := func(*store.Incident) (store.IncidentEntry, error) { return store.IncidentEntry{}, store.ErrInvalid }
	if _, _, err := s.HandleIncident(ctx, "area-f1", refuse, store.StatusResolved); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("refused action: %v", err)
	}
	if a := get(t, s, "f1"); a.Status != store.StatusAcknowledged {
		t.Fatalf("a refused resolve changed member f1: %+v", a)
	}
	if _, _, err := s.HandleIncident(ctx, "nope", act(store.StatusResolved, "", ""), store.StatusResolved); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown incident: %v, want ErrNotFound", err)
	}
	got, n, err = s.HandleIncident(ctx, "area-f1", act(store.StatusResolved, "ann", ""), store.StatusResolved)
	if err != nil || n != 2 || got.State != store.StatusResolved {
		t.Fatalf("resolve: %+v, %d members, %v; want resolved and 2 members", got, n, err)
	}
	for _, id := range []string{"f1", "f2"} {
		if a := get(t, s, id); a.Status != store.StatusResolved || a.ResolvedBy != "ann" {
			t.Fatalf("member %s after the incident's resolve: %+v", id, a)
		}
	}
	if _, open, _ := s.IncidentOfAnomaly(ctx, "f1"); open != 0 {
		t.Fatalf("open members after resolve: %d", open)
	}
	full, err := s.Incident(ctx, "area-f1")
	if err != nil || full.State != store.StatusResolved || len(full.Timeline) != 2 {
		t.Fatalf("read back %+v, %v; want resolved with the ack and resolve lines", full, err)
	}
	// The grouping cannot reopen it.
	inc.State = store.StatusOpen
	if w, _ := s.PutIncident(ctx, inc, nil, nil); w.State != store.StatusResolved {
		t.Fatalf("grouping reopened a resolved incident: %+v", w)
	}
}
