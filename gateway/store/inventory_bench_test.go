package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// BenchmarkImportCameras41k files the district's 41,000 cameras (100
// sites × 410) in one ImportCameras transaction, fresh ids each iteration,
// on SQLite and on PostgreSQL (a throwaway cluster), and reads 41,000
// changes of the feed back in batches of 1,000 as the fleet's assigner would.
// Figures only.
func BenchmarkImportCameras41k(b *testing.B) {
	sqlite := openSQLite(b, filepath.Join(b.TempDir(), "bench.db"))
	b.Run("sqlite/import", func(b *testing.B) { benchImport(b, sqlite) })
	b.Run("sqlite/feed", func(b *testing.B) { benchFeed(b, sqlite) })
	dsn := peers.Postgres(b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE bench"); err != nil {
		b.Fatal(err)
	}
	pg, err := store.Open(context.Background(), "postgres", strings.Replace(dsn, "dbname=postgres", "dbname=bench", 1))
	if err != nil {
		b.Fatal(err)
	}
	defer pg.Close()
	b.Run("postgres/import", func(b *testing.B) { benchImport(b, pg) })
	b.Run("postgres/feed", func(b *testing.B) { benchFeed(b, pg) })
}

// benchImport imports 41,000 new cameras per iteration.
func benchImport(b *testing.B, s store.Store) {
	ctx := context.Background()
	round := 0
	for b.Loop() {
		b.StopTimer()
		cams := make([]store.Camera, 41000)
		for i := range cams {
			cams[i] = cam(fmt.Sprintf("r%d-%05d", round, i), fmt.Sprintf("site-%03d", i%100))
		}
		round++
		b.StartTimer()
		res, err := s.ImportCameras(ctx, cams, store.ImportOptions{By: "bench"})
		if err != nil || res.Created != 41000 {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(41000*b.N)/b.Elapsed().Seconds(), "cameras/s")
}

// benchFeed reads the first 41,000 changes of the feed in batches of 1,000.
func benchFeed(b *testing.B, s store.Store) {
	ctx := context.Background()
	for b.Loop() {
		n, since := 0, int64(0)
		for n < 41000 {
			inv, err := s.ListInventory(ctx, since, 1000)
			if err != nil || len(inv.Changes) == 0 {
				b.Fatalf("feed after %d: %v", n, err)
			}
			n, since = n+len(inv.Changes), inv.Revision
		}
	}
}
