package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// testIncidentBatchKeepsPeoples: PutIncidents, the grouping's batch write,
// keeps what people set on every incident of the batch as PutIncident
// does: a batch of distinct incidents (one statement per table) and one
// touching an incident twice (written in order) leave an acknowledged,
// assigned and noted incident as people left it, resolve one by a merge,
// never reopen a resolved one, and return the incidents as written.
func testIncidentBatchKeepsPeoples(t *testing.T, s store.Store) {
	ctx := context.Background()
	inc := func(id string) store.Incident {
		return store.Incident{ID: id, Rule: store.RuleOutage, Kind: bus.KindCameraOffline, Site: "north", Severity: "high",
			State: store.StatusOpen, Count: 1, First: t0, Last: t0}
	}
	if _, err := s.PutIncidents(ctx, []store.IncidentChange{{Incident: inc("held")}, {Incident: inc("merged")}, {Incident: inc("done")}}); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Minute)
	set := func(state, owner string) func(*store.Incident) (store.IncidentEntry, error) {
		return func(i *store.Incident) (store.IncidentEntry, error) {
			i.State, i.Owner = state, owner
			i.Notes = append(i.Notes, store.IncidentNote{At: at, By: "ann", Text: "crew called"})
			return store.IncidentEntry{At: at, What: state, By: "ann"}, nil
		}
	}
	if _, _, err := s.HandleIncident(ctx, "held", set(store.StatusAcknowledged, "ann"), ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.HandleIncident(ctx, "done", set(store.StatusResolved, "bo"), ""); err != nil {
		t.Fatal(err)
	}
	// The grouping's own copies: open, no owner, no notes; "merged" folded away.
	held, merged, done := inc("held"), inc("merged"), inc("done")
	held.Count, done.Count = 7, 2
	merged.State, merged.Merged = store.StatusResolved, "held"
	for _, batch := range [][]store.IncidentChange{
		{{Incident: held}, {Incident: merged}, {Incident: done}},
		{{Incident: held}, {Incident: done}, {Incident: held}},
	} {
		written, err := s.PutIncidents(ctx, batch)
		if err != nil || len(written) != len(batch) {
			t.Fatalf("PutIncidents: %d written, %v; want %d", len(written), err, len(batch))
		}
		for _, w := range written {
			want := map[string]string{"held": store.StatusAcknowledged, "merged": store.StatusResolved, "done": store.StatusResolved}[w.ID]
			if w.State != want {
				t.Fatalf("written %s %s, want %s", w.ID, w.State, want)
			}
		}
	}
	for id, want := range map[string]struct{ state, owner string }{
		"held": {store.StatusAcknowledged, "ann"}, "merged": {store.StatusResolved, ""}, "done": {store.StatusResolved, "bo"}} {
		got, err := s.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != want.state || got.Owner != want.owner || want.owner != "" && len(got.Notes) != 1 {
			t.Fatalf("%s stored %s, owner %q, %d notes; want %s, owner %q and the note", id, got.State, got.Owner, len(got.Notes), want.state, want.owner)
		}
	}
	if got, _ := s.Incident(ctx, "held"); got.Count != 7 {
		t.Fatalf("held's count %d: the grouping's fields must still be written", got.Count)
	}
}
