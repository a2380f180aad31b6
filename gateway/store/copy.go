package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// begin starts a write transaction; done, called after it ends, releases
// what begin took. On PostgreSQL the transaction runs on a connection
// taken from the pool for it alone, kept in s.conns, so that copyRows can
// reach pgx's COPY inside the same transaction.
func (s *sqlStore) begin(ctx context.Context) (tx *sql.Tx, done func(), err error) {
	if !s.d.dollar {
		tx, err := s.w.BeginTx(ctx, nil)
		return tx, func() {}, err
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx, err = conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	s.conns.Store(tx, conn)
	return tx, func() {
		s.conns.Delete(tx)
		conn.Close()
	}, nil
}

// canCopy tells whether copyRows works in tx.
func (s *sqlStore) canCopy(tx *sql.Tx) bool {
	_, ok := s.conns.Load(tx)
	return ok
}

// copyRows writes rows into table's cols with PostgreSQL's COPY (binary)
// inside tx: a typhoon's batch is a few hundred thousand values, which as
// multi-row INSERTs pgx encoded into Bind messages regrown from 256 bytes
// for every statement (a third of the gateway's allocations) and
// PostgreSQL parsed and planned. It reports false, doing nothing, where
// there is no COPY (SQLite, a transaction not begun by begin).
func (s *sqlStore) copyRows(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) (bool, error) {
	v, ok := s.conns.Load(tx)
	if !ok {
		return false, nil
	}
	err := v.(*sql.Conn).Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: not a pgx connection (%T)", table, dc)
		}
		n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err == nil && n != int64(len(rows)) {
			err = fmt.Errorf("copy into %s: %d rows of %d", table, n, len(rows))
		}
		return err
	})
	return true, err
}
