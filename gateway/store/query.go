package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Anomaly reads one record.
func (s *sqlStore) Anomaly(ctx context.Context, id string) (Anomaly, error) {
	a, err := scanAnomaly(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+anomalyCols+` FROM anomalies WHERE id = ?`), id))
	return a, notFound(err, "anomaly "+id)
}

// Anomalies pages newest first by (started_at, id), the cursor being the
// last item's pair: a page costs an index range scan whatever its depth.
func (s *sqlStore) Anomalies(ctx context.Context, q AnomalyQuery) (Page[Anomaly], error) {
	if q.Sites != nil && len(q.Sites) == 0 {
		// A caller scoped to no site sees nothing (nil is "every site").
		return Page[Anomaly]{Items: []Anomaly{}}, nil
	}
	var w where
	w.in("site", q.Sites)
	w.eq("camera", q.Camera)
	w.eq("kind", q.Kind)
	w.eq("state", q.State)
	w.eq("status", q.Status)
	if q.Shadow != nil {
		w.add("shadow = ?", *q.Shadow)
	}
	w.span("started_at", q.From, q.To)
	c, ok, err := decodeCursor(q.Cursor)
	if err != nil {
		return Page[Anomaly]{}, err
	}
	if ok {
		w.add("(started_at, id) < (?, ?)", c.ms, c.id)
	}
	limit := pageLimit(q.Limit)
	rows, err := s.r.QueryContext(ctx, s.d.q(fmt.Sprintf(`SELECT %s FROM anomalies%s
		ORDER BY started_at DESC, id DESC LIMIT %d`, anomalyCols, w.String(), limit+1)), w.args...)
	if err != nil {
		return Page[Anomaly]{}, fmt.Errorf("store: anomalies: %w", err)
	}
	items, err := collect(rows, scanAnomaly)
	if err != nil {
		return Page[Anomaly]{}, fmt.Errorf("store: anomalies: %w", err)
	}
	return pageOf(items, limit, func(a Anomaly) cursor { return cursor{a.StartedAt.UnixMilli(), a.ID} }), nil
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, rows.Err()
}

// pageOf cuts items (fetched with one extra) to limit; the extra one's
// presence is what says there is a next page.
func pageOf[T any](items []T, limit int, pos func(T) cursor) Page[T] {
	if len(items) <= limit {
		return Page[T]{Items: items}
	}
	items = items[:limit]
	return Page[T]{Items: items, Next: pos(items[limit-1]).encode()}
}

// Snapshot reads an anomaly's JPEG.
func (s *sqlStore) Snapshot(ctx context.Context, id string) ([]byte, error) {
	var jpeg []byte
	err := s.r.QueryRowContext(ctx, s.d.q(`SELECT jpeg FROM snapshots WHERE anomaly_id = ?`), id).Scan(&jpeg)
	return jpeg, notFound(err, "snapshot of "+id)
}

// Counts groups a site's anomalies started in [from, to); a zero bound is open.
func (s *sqlStore) Counts(ctx context.Context, site string, from, to time.Time) ([]Count, error) {
	var w where
	w.add("site = ?", site)
	w.span("started_at", from, to)
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT shadow, rule_version, kind, COUNT(*) FROM anomalies`+
		w.String()+` GROUP BY shadow, rule_version, kind ORDER BY shadow, rule_version, kind`), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: counts: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (Count, error) {
		var c Count
		return c, r.Scan(&c.Shadow, &c.RuleVersion, &c.Kind, &c.Count)
	})
}
