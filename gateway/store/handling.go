package store

import (
	"context"
	"time"
)

// Acknowledge moves an open anomaly to acknowledged; one already
// acknowledged or resolved keeps its first handling.
func (s *sqlStore) Acknowledge(ctx context.Context, id, who, note string, t time.Time) (Anomaly, error) {
	return s.handle(ctx, id, `status = ?, acknowledged_by = ?, acknowledged_at = ?`,
		`status = ?`, []any{StatusAcknowledged, who, ms(t)}, []any{StatusOpen}, note)
}

// Resolve moves an open or acknowledged anomaly to resolved; a resolved one
// keeps its first resolution.
func (s *sqlStore) Resolve(ctx context.Context, id, who, note string, t time.Time) (Anomaly, error) {
	return s.handle(ctx, id, `status = ?, resolved_by = ?, resolved_at = ?`,
		`status <> ?`, []any{StatusResolved, who, ms(t)}, []any{StatusResolved}, note)
}

// handle sets the columns of set where id matches and the status condition
// holds, then reads the record back (ErrNotFound for an unknown id). A
// non-empty note replaces the stored one.
func (s *sqlStore) handle(ctx context.Context, id, set, cond string, setArgs, condArgs []any, note string) (Anomaly, error) {
	if note != "" {
		set += `, note = ?`
		setArgs = append(setArgs, note)
	}
	args := append(append(setArgs, id), condArgs...)
	if _, err := s.exec(ctx, `UPDATE anomalies SET `+set+` WHERE id = ? AND `+cond, args...); err != nil {
		return Anomaly{}, err
	}
	a, err := scanAnomaly(s.w.QueryRowContext(ctx, s.d.q(`SELECT `+anomalyCols+` FROM anomalies WHERE id = ?`), id))
	return a, notFound(err, "anomaly "+id)
}
