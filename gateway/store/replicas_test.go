package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// Real: one PostgreSQL database (a throwaway cluster, Debian's package)
// and two stores opened on it, each with its own connection pool, as two
// gateway replicas have: both follow the same anomaly stream from the bus,
// so every event reaches both writers, at about the same time. Simulated:
// the replicas (two store writers in this process, not two gateways; the
// two-process test is gateway's TestTwoReplicasRelayOneCamera, which
// shares one database but sends no anomaly).
//
// Each anomaly is one row whose last event wins; across the two writers
// each event is applied once and seen once as a duplicate; a snapshot is
// stored once.
func TestPostgresTwoWritersOneRowPerAnomaly(t *testing.T) { testTwoWriters(t, 0) }

// TestPostgresTwoBatchWritersOneRowPerAnomaly is the same with each
// replica writing in batches (PutAnomalies) of different sizes, as two
// gateways' ingest does: their batches overlap in ids in every way.
func TestPostgresTwoBatchWritersOneRowPerAnomaly(t *testing.T) { testTwoWriters(t, 7) }

// testTwoWriters: batch 0 writes event by event; otherwise replica i
// writes batches of batch+6i events.
func testTwoWriters(t *testing.T, batch int) {
	dsn := peers.Postgres(t)
	var replicas [2]store.Store
	for i := range replicas {
		s, err := store.Open(context.Background(), "postgres", dsn) // both migrate at once: serialised by the store
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		t.Cleanup(func() { s.Close() })
		replicas[i] = s
	}
	const anomalies, updates = 25, 4
	var events []bus.Anomaly
	seq := uint64(0)
	for a := range anomalies {
		id := fmt.Sprintf("edge-1.cam-%d.%d", a%5, a)
		for i := 0; i <= updates+1; i++ {
			seq++
			state := bus.StateUpdate
			switch i {
			case 0:
				state = bus.StateStart
			case updates + 1:
				state = bus.StateEnd
			}
			e := event(id, seq, state, "north", fmt.Sprintf("cam-%d", a%5), time.Duration(seq)*time.Second)
			if i == 0 {
				e.Snapshot = []byte{0xff, 0xd8, byte(a), 0xff, 0xd9}
			}
			events = append(events, e)
		}
	}
	// Each replica handles the stream in order, as its MQTT session delivers it.
	var created, applied, ignored atomic.Int64
	var wg sync.WaitGroup
	for i, s := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range writeAll(s, events, batch+6*i) {
				c, a, err := r.Created, r.Applied, r.Err
				if err != nil {
					t.Error(err)
					return
				}
				if c {
					created.Add(1)
				}
				if a {
					applied.Add(1)
				} else {
					ignored.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if created.Load() != anomalies || applied.Load() != int64(len(events)) || ignored.Load() != int64(len(events)) {
		t.Fatalf("created %d, applied %d, ignored %d; want %d, %d, %d", created.Load(), applied.Load(), ignored.Load(),
			anomalies, len(events), len(events))
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, ids, snaps int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT id) FROM anomalies`).Scan(&rows, &ids); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM snapshots`).Scan(&snaps); err != nil {
		t.Fatal(err)
	}
	if rows != anomalies || ids != anomalies || snaps != anomalies {
		t.Fatalf("%d rows, %d ids, %d snapshots; want %d of each", rows, ids, snaps, anomalies)
	}
	for _, s := range replicas {
		page, err := s.Anomalies(context.Background(), store.AnomalyQuery{Limit: 100})
		if err != nil || len(page.Items) != anomalies {
			t.Fatalf("listed %d, %v", len(page.Items), err)
		}
		for _, a := range page.Items {
			if a.State != bus.StateEnd || !a.HasSnapshot {
				t.Fatalf("%s: %s, snapshot %v; want ended with its snapshot", a.ID, a.State, a.HasSnapshot)
			}
		}
	}
}

// writeAll writes events to s one by one (batch 0) or in batches.
func writeAll(s store.Store, events []bus.Anomaly, batch int) []store.AnomalyResult {
	var out []store.AnomalyResult
	if batch == 0 {
		for _, e := range events {
			rec, c, a, err := s.PutAnomaly(context.Background(), e)
			out = append(out, store.AnomalyResult{Record: rec, Created: c, Applied: a, Err: err})
		}
		return out
	}
	for chunk := range slices.Chunk(events, batch) {
		rs, err := s.PutAnomalies(context.Background(), chunk)
		if err != nil {
			return append(out, store.AnomalyResult{Err: err})
		}
		out = append(out, rs...)
	}
	return out
}
