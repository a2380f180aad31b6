package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// testHandling acknowledges and resolves, in and out of order.
func testHandling(t *testing.T, s store.Store) {
	ctx := context.Background()
	put(t, s, event("h1", 1, bus.StateStart, "north", "cam-1", 0))
	ack := func(who, note string, at time.Time) (store.Anomaly, error) {
		return s.Acknowledge(ctx, "h1", who, note, at)
	}
	resolve := func(who, note string, at time.Time) (store.Anomaly, error) {
		return s.Resolve(ctx, "h1", who, note, at)
	}
	steps := []struct {
		name                 string
		do                   func(who, note string, at time.Time) (store.Anomaly, error)
		who, note            string
		at                   time.Time
		status, ackBy, resBy string
		ackAt, resAt         time.Time
		wantNote             string
	}{
		{"ack an open one", ack, "ann", "on it", t0.Add(time.Minute), store.StatusAcknowledged, "ann", "", t0.Add(time.Minute), time.Time{}, "on it"},
		{"second ack keeps the first", ack, "bob", "", t0.Add(2 * time.Minute), store.StatusAcknowledged, "ann", "", t0.Add(time.Minute), time.Time{}, "on it"},
		{"resolve", resolve, "bob", "false alarm", t0.Add(3 * time.Minute), store.StatusResolved, "ann", "bob", t0.Add(time.Minute), t0.Add(3 * time.Minute), "false alarm"},
		{"ack a resolved one leaves it", ack, "cat", "late", t0.Add(4 * time.Minute), store.StatusResolved, "ann", "bob", t0.Add(time.Minute), t0.Add(3 * time.Minute), "false alarm"},
		{"resolve again keeps the first", resolve, "cat", "again", t0.Add(5 * time.Minute), store.StatusResolved, "ann", "bob", t0.Add(time.Minute), t0.Add(3 * time.Minute), "false alarm"},
	}
	for _, st := range steps {
		a, err := st.do(st.who, st.note, st.at)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if a.Status != st.status || a.AcknowledgedBy != st.ackBy || a.ResolvedBy != st.resBy ||
			!a.AcknowledgedAt.Equal(st.ackAt) || !a.ResolvedAt.Equal(st.resAt) || a.Note != st.wantNote {
			t.Errorf("%s: %+v", st.name, a)
		}
		if stored := get(t, s, "h1"); stored.Status != st.status || stored.Note != st.wantNote {
			t.Errorf("%s: stored %s %q", st.name, stored.Status, stored.Note)
		}
	}
	// An event after handling changes the event fields, not the handling.
	if a := put(t, s, event("h1", 2, bus.StateEnd, "north", "cam-1", time.Hour)); a.Status != store.StatusResolved || a.ResolvedBy != "bob" {
		t.Errorf("end after resolve: %+v", a)
	}
	put(t, s, event("h2", 1, bus.StateStart, "north", "cam-1", 0))
	if a, err := s.Resolve(ctx, "h2", "dan", "", t0); err != nil || a.Status != store.StatusResolved || a.AcknowledgedBy != "" {
		t.Errorf("resolve without ack: %+v %v", a, err)
	}
	if _, err := s.Acknowledge(ctx, "nope", "ann", "", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ack unknown: %v", err)
	}
	if _, err := s.Resolve(ctx, "nope", "ann", "", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("resolve unknown: %v", err)
	}
}
