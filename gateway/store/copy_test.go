package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// COPY runs inside the write transaction on PostgreSQL (a rolled-back
// transaction leaves none of its rows; a committed one all), and is not
// there on SQLite, where the INSERTs run instead. A real throwaway
// PostgreSQL cluster and a real SQLite file.
func TestCopyRowsInTheTransaction(t *testing.T) {
	ctx := context.Background()
	dsn := peers.Postgres(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE copytest"); err != nil {
		t.Fatal(err)
	}
	pg, err := Open(ctx, "postgres", strings.Replace(dsn, "dbname=postgres", "dbname=copytest", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	s := pg.(*sqlStore)
	rows := func(prefix string, n int) [][]any {
		out := make([][]any, n)
		for i := range out {
			out[i] = []any{prefix, int64(i), "start", fmt.Sprintf("%s-a%d", prefix, i), "cam", "person", "", ""}
		}
		return out
	}
	count := func(prefix string) int {
		var n int
		if err := s.r.QueryRow(`SELECT count(*) FROM incident_timeline WHERE incident = $1`, prefix).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	undo := errors.New("undone")
	err = s.tx(ctx, func(tx *sql.Tx) error {
		copied, err := s.copyRows(ctx, tx, "incident_timeline", timelineColumns, rows("rolled", 300))
		if !copied || err != nil {
			t.Fatalf("copy on PostgreSQL: copied %v, %v", copied, err)
		}
		return undo
	})
	if !errors.Is(err, undo) || count("rolled") != 0 {
		t.Fatalf("rolled back (%v), yet %d rows stayed", err, count("rolled"))
	}
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := s.copyRows(ctx, tx, "incident_timeline", timelineColumns, rows("kept", 300))
		return err
	}); err != nil || count("kept") != 300 {
		t.Fatalf("committed (%v): %d rows of 300", err, count("kept"))
	}
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := s.copyRows(ctx, tx, "incident_timeline", []string{"incident", "no_such_column"}, [][]any{{"x", 1}})
		return err
	}); err == nil {
		t.Fatal("a copy into a missing column succeeded")
	}
	// A batch's new records go in by COPY: every column reads back.
	a := bus.Anomaly{ID: "g-1", Seq: 2, Site: "north", Camera: "cam-1", Edge: "edge-1", Kind: bus.KindPerson, State: bus.StateEnd,
		Severity: "high", Score: 0.5, Box: [4]float64{0.1, 0.2, 0.3, 0.4}, Zone: "gate", Rule: "people", RuleVersion: 3, Shadow: true,
		FrameTime: bus.At(time.Unix(1e9, 0)), PublishedAt: bus.At(time.Unix(1e9, 0)), Geo: &bus.Geo{Lat: 1.5, Lon: -2.25, Alt: 30}, Verifies: "v-1"}
	res, err := s.PutAnomalies(ctx, []bus.Anomaly{a})
	if err != nil || res[0].Err != nil || !res[0].Created {
		t.Fatalf("PutAnomalies: %v %+v", err, res)
	}
	got, err := s.Anomaly(ctx, "g-1")
	if err != nil {
		t.Fatal(err)
	}
	want := res[0].Record
	if got.Geo == nil || *got.Geo != *a.Geo || got.EndedAt.IsZero() {
		t.Fatalf("stored geo %v, ended %v; want %v and the end", got.Geo, got.EndedAt, *a.Geo)
	}
	got.Geo, want.Geo = nil, nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stored\n%+v\nwant\n%+v", got, want)
	}

	held := 0
	s.conns.Range(func(_, _ any) bool { held++; return true })
	if held != 0 {
		t.Fatalf("%d connections of ended transactions still held", held)
	}

	lite, err := Open(ctx, "sqlite", filepath.Join(t.TempDir(), "argus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	ls := lite.(*sqlStore)
	if err := ls.tx(ctx, func(tx *sql.Tx) error {
		if copied, err := ls.copyRows(ctx, tx, "incident_timeline", timelineColumns, rows("x", 1)); copied || err != nil {
			t.Fatalf("copy on SQLite: copied %v, %v", copied, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
