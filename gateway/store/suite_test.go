package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// opener gives each subtest a fresh, empty store.
type opener func(t *testing.T) store.Store

// suite is every behaviour both backends must share.
var suite = []struct {
	name string
	run  func(t *testing.T, s store.Store)
}{
	{"AnomalyEvents", testAnomalyEvents},
	{"AnomalyWithoutStart", testAnomalyWithoutStart},
	{"AnomalyBadInput", testAnomalyBadInput},
	{"AnomalyConcurrentEvents", testAnomalyConcurrentEvents},
	{"AnomalyBatch", testAnomalyBatch},
	{"AnomalyPaging", testAnomalyPaging},
	{"AnomalyFilters", testAnomalyFilters},
	{"AnomalyVerifies", testAnomalyVerifies},
	{"Handling", testHandling},
	{"Counts", testCounts},
	{"Audit", testAudit},
	{"Users", testUsers},
	{"Sessions", testSessions},
	{"RuleSets", testRuleSets},
	{"Wall", testWall},
	{"Incidents", testIncidents},
	{"IncidentPaging", testIncidentPaging},
	{"IncidentHandling", testIncidentHandling},
	{"IncidentBatchKeepsPeoples", testIncidentBatchKeepsPeoples},
	{"IncidentPrune", testIncidentPrune},
	{"PruneBoundary", testPruneBoundary},
	{"PruneKeepsForever", testPruneKeepsForever},
	{"InventoryPut", testInventoryPut},
	{"InventoryImport", testInventoryImport},
	{"InventoryList", testInventoryList},
	{"InventoryConcurrent", testInventoryConcurrent},
}

// runSuite runs the suite against stores from open.
func runSuite(t *testing.T, open opener) {
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// TestSQLite runs the suite on a real SQLite file per subtest.
func TestSQLite(t *testing.T) {
	runSuite(t, func(t *testing.T) store.Store { return openSQLite(t, filepath.Join(t.TempDir(), "argus.db")) })
}

// TestPostgres runs the suite on a throwaway PostgreSQL cluster (Debian's
// postgresql package), one fresh database per subtest.
func TestPostgres(t *testing.T) {
	dsn := peers.Postgres(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var n atomic.Int64
	runSuite(t, func(t *testing.T) store.Store {
		db := fmt.Sprintf("t%d", n.Add(1))
		if _, err := admin.Exec("CREATE DATABASE " + db); err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(context.Background(), "postgres", strings.Replace(dsn, "dbname=postgres", "dbname="+db, 1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// openSQLite opens the file at path, closed when the test ends.
func openSQLite(t testing.TB, path string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// t0 is the suite's fixed clock: every time is relative to it.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// event is an anomaly event of camera cam at t0+offset.
func event(id string, seq uint64, state, site, cam string, offset time.Duration) bus.Anomaly {
	return bus.Anomaly{ID: id, Seq: seq, Site: site, Camera: cam, Edge: "edge-1", Kind: bus.KindPerson,
		State: state, Severity: "high", Score: 0.8, Box: [4]float64{0.1, 0.2, 0.3, 0.4}, Zone: "gate",
		Rule: "people", RuleVersion: 3, FrameTime: bus.At(t0.Add(offset)), PublishedAt: bus.At(t0.Add(offset))}
}

// put applies e and fails the test on error.
func put(t *testing.T, s store.Store, e bus.Anomaly) store.Anomaly {
	t.Helper()
	rec, _, _, err := s.PutAnomaly(context.Background(), e)
	if err != nil {
		t.Fatalf("PutAnomaly %s seq %d: %v", e.ID, e.Seq, err)
	}
	return rec
}

// get reads one anomaly and fails the test on error.
func get(t *testing.T, s store.Store, id string) store.Anomaly {
	t.Helper()
	a, err := s.Anomaly(context.Background(), id)
	if err != nil {
		t.Fatalf("Anomaly %s: %v", id, err)
	}
	return a
}
