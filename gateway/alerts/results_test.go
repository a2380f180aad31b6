package alerts

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// applyResults tells the listeners the records applied here and those
// that are this very event applied elsewhere, and groups those and any
// later record another replica ran ahead to, each list in the batch's
// order; an invalid event goes to neither. (No broker, no store: the
// results are made up as the store would give them.)
func TestApplyResultsTellsAndGroups(t *testing.T) {
	var grouped []string
	a, err := New(Options{Broker: "tcp://127.0.0.1:1", Store: &probe{}, Log: zerolog.Nop(),
		Incidents: func(recs []store.Anomaly) []bool {
			for _, r := range recs {
				grouped = append(grouped, r.ID)
			}
			return make([]bool, len(recs))
		}})
	if err != nil {
		t.Fatal(err)
	}
	told := make(chan []store.Anomaly, 4)
	defer a.SubscribeBatch(func(recs []store.Anomaly) { told <- recs })()
	ev := func(id string, seq uint64) queued {
		return queued{an: bus.Anomaly{ID: id, Seq: seq, Site: "s", Camera: "c", State: bus.StateStart}}
	}
	rec := func(id string, seq uint64) store.Anomaly {
		return store.Anomaly{ID: id, Seq: seq, State: bus.StateStart}
	}
	for _, tc := range []struct {
		name              string
		batch             []queued
		results           []store.AnomalyResult
		wantTold, wantGrp []string
	}{
		{"all applied", []queued{ev("a", 1), ev("b", 1)},
			[]store.AnomalyResult{{Record: rec("a", 1), Applied: true}, {Record: rec("b", 1), Applied: true}},
			[]string{"a", "b"}, []string{"a", "b"}},
		{"one ran ahead elsewhere", []queued{ev("a", 1), ev("b", 1), ev("c", 1), ev("d", 1)},
			[]store.AnomalyResult{{Record: rec("a", 1), Applied: true}, {Record: rec("b", 3)}, {Record: rec("c", 1)},
				{Err: errors.Join(store.ErrInvalid)}},
			[]string{"a", "c"}, []string{"a", "b", "c"}},
	} {
		grouped = nil
		a.applyResults(tc.batch, tc.results)
		var got []store.Anomaly
		select {
		case got = <-told:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: nothing told", tc.name)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if !slices.Equal(ids, tc.wantTold) || !slices.Equal(grouped, tc.wantGrp) {
			t.Fatalf("%s: told %v, grouped %v; want %v and %v", tc.name, ids, grouped, tc.wantTold, tc.wantGrp)
		}
	}
}
