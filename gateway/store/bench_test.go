package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// BenchmarkAnomalies loads a SQLite store with ARGUS_BENCH_ANOMALIES
// anomalies (default 100,000: 50 sites, 2,000 cameras, a month, one in ten
// in shadow, one in ten resolved), printing the ingest rate, then measures
// the console's page queries over it. Figures only; nothing is asserted on time.
func BenchmarkAnomalies(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("ARGUS_BENCH_ANOMALIES")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	if d := os.Getenv("ARGUS_BENCH_DIR"); d != "" {
		dir = d
	}
	s, err := store.OpenSQLite(filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if page, err := s.Anomalies(ctx, store.AnomalyQuery{Limit: 1}); err != nil || len(page.Items) == 0 {
		loadAnomalies(b, s, n)
	} else {
		b.Logf("reusing the anomalies in %s", dir) // ARGUS_BENCH_DIR, loaded before
	}
	live := false
	lastDay := t0.Add(29 * 24 * time.Hour)
	deep := cursorAt(b, s, store.AnomalyQuery{Sites: []string{"site-07"}}, 20)
	queries := []struct {
		name string
		q    store.AnomalyQuery
	}{
		{"all", store.AnomalyQuery{}},
		{"site", store.AnomalyQuery{Sites: []string{"site-07"}}},
		{"site-page-21", store.AnomalyQuery{Sites: []string{"site-07"}, Cursor: deep}},
		{"5-sites", store.AnomalyQuery{Sites: []string{"site-01", "site-02", "site-03", "site-04", "site-05"}}},
		{"5-sites-live-last-day", store.AnomalyQuery{Sites: []string{"site-01", "site-02", "site-03", "site-04", "site-05"}, Shadow: &live, From: lastDay}},
		{"site-open-person", store.AnomalyQuery{Sites: []string{"site-07"}, Status: store.StatusOpen, Kind: bus.KindPerson}},
		{"camera", store.AnomalyQuery{Camera: "cam-0421"}},
		{"resolved", store.AnomalyQuery{Status: store.StatusResolved}},
	}
	for _, qc := range queries {
		b.Run(qc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Anomalies(ctx, qc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("counts-site-month", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Counts(ctx, "site-07", t0, t0.Add(31*24*time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// loadAnomalies stores n anomalies through PutAnomaly, one event each.
func loadAnomalies(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	kinds := []string{bus.KindPerson, bus.KindVehicle, bus.KindMotion, bus.KindFire, bus.KindIntrusion, bus.KindLoitering}
	spread := 30 * 24 * time.Hour / time.Duration(n)
	began := time.Now()
	for i := range n {
		cam := i % 2000
		e := event(fmt.Sprintf("a%07d", i), uint64(i+1), bus.StateStart, fmt.Sprintf("site-%02d", cam%50),
			fmt.Sprintf("cam-%04d", cam), time.Duration(i)*spread)
		e.Kind, e.Shadow = kinds[i%len(kinds)], i%10 == 3
		if _, _, _, err := s.PutAnomaly(ctx, e); err != nil {
			b.Fatal(err)
		}
		if i%10 == 7 {
			if _, err := s.Resolve(ctx, e.ID, "bench", "", t0); err != nil {
				b.Fatal(err)
			}
		}
	}
	took := time.Since(began)
	b.Logf("loaded %d anomalies (and %d resolutions) in %v: %.0f events/s", n, n/10, took.Round(time.Millisecond), float64(n)/took.Seconds())
}

// cursorAt is the cursor of page p+1 of q.
func cursorAt(b *testing.B, s store.Store, q store.AnomalyQuery, p int) string {
	for range p {
		page, err := s.Anomalies(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		q.Cursor = page.Next
	}
	return q.Cursor
}

// BenchmarkPutAnomaly measures ingest: one start event per op, into a
// SQLite store that grows as it runs.
func BenchmarkPutAnomaly(b *testing.B) {
	s, err := store.OpenSQLite(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	i := 0
	for b.Loop() {
		cam := i % 2000
		e := event(fmt.Sprintf("a%07d", i), uint64(i+1), bus.StateStart, fmt.Sprintf("site-%02d", cam%50),
			fmt.Sprintf("cam-%04d", cam), time.Duration(i)*time.Second)
		if _, _, _, err := s.PutAnomaly(context.Background(), e); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
