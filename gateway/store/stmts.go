package store

import (
	"context"
	"database/sql"
	"sync"
)

// chunkSizes are the row counts of the ingest's multi-row statements: n
// rows go as the fewest chunks of these sizes (1,000 anomalies: 3×256,
// 3×64, 2×16, 2×4), so only a few statement texts exist, each parsed
// once and reused (SQLite: prepared once on the writer; PostgreSQL: pgx's
// statement cache by text), not one text per batch size parsed for every
// batch (6% of the gateway's CPU in a typhoon on SQLite). 256 rows of the
// widest row (31 columns) bind 7,936 values, far below both backends' limits.
var chunkSizes = []int{256, 64, 16, 4, 1}

// chunks calls fn with each chunk of n rows, [from, to), in order, until
// fn fails.
func chunks(n int, fn func(from, to int) error) error {
	from := 0
	for _, size := range chunkSizes {
		for n-from >= size {
			if err := fn(from, from+size); err != nil {
				return err
			}
			from += size
		}
	}
	return nil
}

// stmts holds the writer's prepared statements by text (SQLite only: its
// one writer connection runs them all). A statement is prepared after
// the transaction that first ran it (as text): preparing on the writer
// inside a transaction would wait for the one connection the
// transaction holds.
type stmts struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool // run as text, to prepare after the transaction
}

// execIn runs a write statement in tx: on SQLite prepared once and
// reused, on PostgreSQL as text (pgx prepares and caches it per
// connection). query is in ? form.
func (s *sqlStore) execIn(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	if st := s.prepared(query); st != nil {
		_, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		return err
	}
	_, err := tx.ExecContext(ctx, s.d.q(query), args...)
	return err
}

// queryIn is execIn for a query.
func (s *sqlStore) queryIn(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.prepared(query); st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, s.d.q(query), args...)
}

// prepared is query's statement prepared on the SQLite writer, nil when
// not yet (it is then wanted: prepareWanted prepares it) or on PostgreSQL.
func (s *sqlStore) prepared(query string) *sql.Stmt {
	if s.d.dollar {
		return nil
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if st, ok := s.stmts.m[query]; ok {
		return st
	}
	if s.stmts.wanted == nil {
		s.stmts.wanted = map[string]bool{}
	}
	s.stmts.wanted[query] = true
	return nil
}

// prepareWanted prepares the statements wanted since the last call; no
// transaction of the caller's may be open. The lock is not held while
// preparing: a transaction of another goroutine may hold the writer and
// look a statement up meanwhile. A statement that fails to prepare is run
// as text again.
func (s *sqlStore) prepareWanted(ctx context.Context) {
	s.stmts.mu.Lock()
	wanted := s.stmts.wanted
	s.stmts.wanted = nil
	s.stmts.mu.Unlock()
	for query := range wanted {
		st, err := s.w.PrepareContext(ctx, query)
		if err != nil {
			continue
		}
		s.stmts.mu.Lock()
		if s.stmts.m == nil {
			s.stmts.m = map[string]*sql.Stmt{}
		}
		if _, dup := s.stmts.m[query]; dup {
			st.Close()
		} else {
			s.stmts.m[query] = st
		}
		s.stmts.mu.Unlock()
	}
}

// closeStmts closes the prepared statements.
func (s *sqlStore) closeStmts() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, st := range s.stmts.m {
		st.Close()
	}
	s.stmts.m = nil
}
