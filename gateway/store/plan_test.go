package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/peers"
)

// A listing of the drone anomalies under a camera anomaly reads the
// partial index of those (anomalies_verifying), on a real SQLite file and
// a real throwaway PostgreSQL: both databases use a partial index only
// when the query's conditions imply the index's, so a listing without its
// condition that verifies is not empty would scan the table instead.
// PostgreSQL is told not to scan sequentially: on a near-empty table it
// would, whatever the indexes.
func TestVerifiesListingReadsItsIndex(t *testing.T) {
	ctx := context.Background()
	lite, err := OpenSQLite(filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := Open(ctx, "postgres", peers.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	for _, q := range []AnomalyQuery{{Verifies: "fire-1"}, {Verifies: "fire-1", Sites: []string{"hill"}, Kind: "fire"}} {
		query, args, _, err := anomaliesQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		for name, st := range map[string]Store{"sqlite": lite, "postgres": pg} {
			s := st.(*sqlStore)
			plan := explain(t, s, query, args)
			if !strings.Contains(plan, "anomalies_verifying") {
				t.Errorf("%s, %+v: the plan does not read anomalies_verifying:\n%s", name, q, plan)
			}
		}
	}
}

// explain is the database's plan for query, one line per row.
func explain(t *testing.T, s *sqlStore, query string, args []any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := s.r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if s.d.dollar {
		prefix = "EXPLAIN "
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, "RESET enable_seqscan")
	}
	rows, err := conn.QueryContext(ctx, prefix+s.d.q(query), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, v := range vals {
			parts = append(parts, v.String)
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
