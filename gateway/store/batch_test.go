package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// batchEvents is a stream with every case PutAnomaly decides: starts,
// updates, a start redelivered after its update (its picture kept), a
// duplicate, an end, an event after the end, an update whose start never
// came, and an invalid event; ids under prefix.
func batchEvents(prefix string) []bus.Anomaly {
	jpeg := []byte{0xff, 0xd8, 1, 0xff, 0xd9}
	id := func(n int) string { return fmt.Sprintf("%s-%d", prefix, n) }
	var es []bus.Anomaly
	add := func(n int, seq uint64, state string, at time.Duration, snap bool) {
		e := event(id(n), seq, state, "north", fmt.Sprintf("cam-%d", n%3), at)
		if snap {
			e.Snapshot = jpeg
		}
		if n == 3 { // every column written, on PostgreSQL by COPY
			e.Verifies, e.Shadow = "v-1", true
		}
		es = append(es, e)
	}
	add(1, 1, bus.StateStart, 0, true)
	add(2, 2, bus.StateUpdate, time.Second, false) // its start comes later
	add(1, 3, bus.StateUpdate, 2*time.Second, false)
	add(2, 1, bus.StateStart, 0, true)               // stale, but its picture is kept
	add(1, 3, bus.StateUpdate, 2*time.Second, false) // a redelivery
	add(3, 1, bus.StateStart, 3*time.Second, false)
	add(1, 4, bus.StateEnd, 4*time.Second, false)
	add(1, 5, bus.StateUpdate, 5*time.Second, false) // after the end
	bad := event("", 1, bus.StateStart, "north", "cam-0", 0)
	es = append(es, bad)
	add(3, 2, bus.StateEnd, 6*time.Second, true)
	return es
}

// testAnomalyBatch: PutAnomalies in batches of any size decides and
// stores exactly what PutAnomaly does event by event, and an invalid
// event is refused alone.
func testAnomalyBatch(t *testing.T, s store.Store) {
	want := writeAll(s, batchEvents("one"), 0)
	for _, size := range []int{1, 3, 100} {
		prefix := fmt.Sprintf("b%d", size)
		got := writeAll(s, batchEvents(prefix), size)
		if len(got) != len(want) {
			t.Fatalf("batch %d: %d results, want %d (last: %v)", size, len(got), len(want), got[len(got)-1].Err)
		}
		for i := range want {
			w, g := want[i], got[i]
			if (w.Err == nil) != (g.Err == nil) || g.Err != nil && !errors.Is(g.Err, store.ErrInvalid) {
				t.Fatalf("batch %d event %d: err %v, want %v", size, i, g.Err, w.Err)
			}
			g.Record.ID = strings.Replace(g.Record.ID, prefix, "one", 1)
			if g.Created != w.Created || g.Applied != w.Applied || fmt.Sprint(g.Record) != fmt.Sprint(w.Record) {
				t.Fatalf("batch %d event %d:\n got %v %v %+v\nwant %v %v %+v", size, i, g.Created, g.Applied, g.Record,
					w.Created, w.Applied, w.Record)
			}
		}
		for n := 1; n <= 3; n++ {
			a, b := get(t, s, fmt.Sprintf("one-%d", n)), get(t, s, fmt.Sprintf("%s-%d", prefix, n))
			b.ID = a.ID
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatalf("batch %d: stored %+v, want %+v", size, b, a)
			}
			if _, err := s.Snapshot(context.Background(), fmt.Sprintf("%s-%d", prefix, n)); (err == nil) != a.HasSnapshot {
				t.Fatalf("batch %d: anomaly %d snapshot: %v, has_snapshot %v", size, n, err, a.HasSnapshot)
			}
		}
	}
}
