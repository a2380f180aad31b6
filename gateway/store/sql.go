package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// sqlStore is the one Store implementation: database/sql over either
// backend, with the differences in d. Writes go through w; reads through r,
// which for SQLite is a separate pool of connections so that readers run
// beside the single writer (WAL) and for PostgreSQL is w itself.
type sqlStore struct {
	d     dialect
	w, r  *sql.DB
	stmts stmts // the writer's prepared statements (stmts.go)
	// conns holds the connection of each open PostgreSQL write
	// transaction (*sql.Tx → *sql.Conn), for copyRows (copy.go).
	conns sync.Map
}

var _ Store = (*sqlStore)(nil)

// Close releases both pools.
func (s *sqlStore) Close() error {
	s.closeStmts()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// tx runs fn in a write transaction, committing when it returns nil;
// then prepares the statements fn ran that are worth keeping (stmts.go).
func (s *sqlStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	defer s.prepareWanted(ctx)
	tx, done, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer done()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// optimize refreshes planner statistics where the dialect needs it: at
// open and after each Prune, when the tables have changed the most.
func (s *sqlStore) optimize(ctx context.Context) error {
	if s.d.optimize == "" {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, s.d.optimize); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}

// exec runs one write statement and returns the rows it affected.
func (s *sqlStore) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.d.q(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ms is t as stored: Unix milliseconds, or NULL for the zero time.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// at reads back a stored time in UTC; NULL is the zero time.
func at(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// notFound turns sql.ErrNoRows into ErrNotFound, naming what was missing.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	return err
}

// invalid is an ErrInvalid with a reason.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// sqlInt is a non-NULL stored integer.
func sqlInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }
