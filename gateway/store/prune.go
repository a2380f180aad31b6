package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// pruneBatch is how many rows one prune transaction deletes: small enough
// that SQLite's single writer is not held from ingest for long.
const pruneBatch = 1000

// Prune deletes, at now, what is strictly older than its age (a zero age
// keeps forever): snapshots by their anomaly's start, ongoing or not (they
// are the bulk); anomalies that ended, whatever their status, by start;
// dismissed wall entries by dismissal and resolved incidents by their
// last event, with the anomalies' age; audit
// entries by time; and sessions expired at now, always.
func (s *sqlStore) Prune(ctx context.Context, r Retention, now time.Time) (Pruned, error) {
	var p Pruned
	var err error
	cut := func(age time.Duration) int64 { return now.Add(-age).UnixMilli() }
	if r.Snapshots > 0 {
		p.Snapshots, err = s.pruneSnapshots(ctx, cut(r.Snapshots))
	}
	if r.Anomalies > 0 && err == nil {
		var snapshots int64
		p.Anomalies, snapshots, err = s.pruneAnomalies(ctx, cut(r.Anomalies))
		p.Snapshots += snapshots
	}
	if r.Anomalies > 0 && err == nil {
		p.Wall, err = s.pruneRows(ctx, "wall", "id", "dismissed < ?", cut(r.Anomalies))
	}
	if r.Anomalies > 0 && err == nil {
		p.Incidents, err = s.pruneIncidents(ctx, cut(r.Anomalies))
	}
	if r.Audit > 0 && err == nil {
		p.Audit, err = s.pruneRows(ctx, "audit", "id", "at < ?", cut(r.Audit))
	}
	if err == nil {
		// An expiry at now is already expired (Session wants expires > now).
		p.Sessions, err = s.pruneRows(ctx, "sessions", "token_hash", "expires <= ?", now.UnixMilli())
	}
	if err != nil {
		return p, fmt.Errorf("store: prune: %w", err)
	}
	return p, s.optimize(ctx)
}

// pruneSnapshots deletes the snapshots of anomalies started before cut and
// marks those anomalies as having none.
func (s *sqlStore) pruneSnapshots(ctx context.Context, cut int64) (int64, error) {
	var n int64
	err := s.batches(ctx, `SELECT id FROM anomalies WHERE has_snapshot = ? AND started_at < ?`, []any{true, cut},
		func(tx *sql.Tx, ids []any) error {
			deleted, err := s.deleteIn(ctx, tx, "snapshots", "anomaly_id", ids)
			n += deleted
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, s.d.q(`UPDATE anomalies SET has_snapshot = ? WHERE id IN (`+marks(len(ids))+`)`),
				append([]any{false}, ids...)...)
			return err
		})
	return n, err
}

// pruneAnomalies deletes ended anomalies started before cut, with their
// snapshots; it returns both counts.
func (s *sqlStore) pruneAnomalies(ctx context.Context, cut int64) (anomalies, snapshots int64, err error) {
	err = s.batches(ctx, `SELECT id FROM anomalies WHERE state = ? AND started_at < ?`, []any{"end", cut},
		func(tx *sql.Tx, ids []any) error {
			n, err := s.deleteIn(ctx, tx, "snapshots", "anomaly_id", ids)
			snapshots += n
			if err != nil {
				return err
			}
			n, err = s.deleteIn(ctx, tx, "anomalies", "id", ids)
			anomalies += n
			return err
		})
	return anomalies, snapshots, err
}

// pruneIncidents deletes resolved incidents whose last event is before
// cut, with their sites, members and timelines.
func (s *sqlStore) pruneIncidents(ctx context.Context, cut int64) (int64, error) {
	var n int64
	err := s.batches(ctx, `SELECT id FROM incidents WHERE state = ? AND last_at < ?`, []any{StatusResolved, cut},
		func(tx *sql.Tx, ids []any) error {
			for _, t := range []struct{ table, key string }{{"incident_sites", "incident"}, {"incident_members", "incident"}, {"incident_timeline", "incident"}} {
				if _, err := s.deleteIn(ctx, tx, t.table, t.key, ids); err != nil {
					return err
				}
			}
			deleted, err := s.deleteIn(ctx, tx, "incidents", "id", ids)
			n += deleted
			return err
		})
	return n, err
}

// pruneRows deletes the rows of one table matching cond.
func (s *sqlStore) pruneRows(ctx context.Context, table, key, cond string, arg any) (int64, error) {
	var n int64
	err := s.batches(ctx, `SELECT `+key+` FROM `+table+` WHERE `+cond, []any{arg}, func(tx *sql.Tx, ids []any) error {
		deleted, err := s.deleteIn(ctx, tx, table, key, ids)
		n += deleted
		return err
	})
	return n, err
}

// batches selects up to pruneBatch keys with query and hands them to apply
// in one transaction, until no key is left.
func (s *sqlStore) batches(ctx context.Context, query string, args []any, apply func(*sql.Tx, []any) error) error {
	for {
		done := true
		err := s.tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, s.d.q(fmt.Sprintf("%s LIMIT %d", query, pruneBatch)), args...)
			if err != nil {
				return err
			}
			ids, err := collect(rows, func(r interface{ Scan(...any) error }) (any, error) {
				var id any
				return id, r.Scan(&id)
			})
			if err != nil || len(ids) == 0 {
				return err
			}
			done = len(ids) < pruneBatch
			return apply(tx, ids)
		})
		if err != nil || done {
			return err
		}
	}
}

// deleteIn deletes the rows of table whose key is one of ids.
func (s *sqlStore) deleteIn(ctx context.Context, tx *sql.Tx, table, key string, ids []any) (int64, error) {
	res, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM `+table+` WHERE `+key+` IN (`+marks(len(ids))+`)`), ids...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// marks is n comma-separated placeholders.
func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
