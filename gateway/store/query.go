package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Anomaly reads one record.
func (s *sqlStore) Anomaly(ctx context.Context, id string) (Anomaly, error) {
	a, err := scanAnomaly(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+anomalyCols+` FROM anomalies WHERE id = ?`), id))
	return a, notFound(err, "anomaly "+id)
}

// unionSites is the most sites a listing reads as one index range per
// site (merged by the database); beyond it one IN is left to the planner.
const unionSites = 64

// Anomalies pages newest first by (started_at, id), the cursor being the
// last item's pair: a page costs index range scans whatever its depth.
func (s *sqlStore) Anomalies(ctx context.Context, q AnomalyQuery) (Page[Anomaly], error) {
	if q.Sites != nil && len(q.Sites) == 0 {
		// A caller scoped to no site sees nothing (nil is "every site").
		return Page[Anomaly]{Items: []Anomaly{}}, nil
	}
	query, args, limit, err := anomaliesQuery(q)
	if err != nil {
		return Page[Anomaly]{}, err
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(query), args...)
	if err != nil {
		return Page[Anomaly]{}, fmt.Errorf("store: anomalies: %w", err)
	}
	items, err := collect(rows, scanAnomaly)
	if err != nil {
		return Page[Anomaly]{}, fmt.Errorf("store: anomalies: %w", err)
	}
	return pageOf(items, limit, func(a Anomaly) cursor { return cursor{a.StartedAt.UnixMilli(), a.ID} }), nil
}

// anomaliesQuery is the statement of a listing (in SQLite's placeholders),
// its arguments and its page's size.
func anomaliesQuery(q AnomalyQuery) (string, []any, int, error) {
	w, err := anomalyFilter(q)
	if err != nil {
		return "", nil, 0, err
	}
	limit := pageLimit(q.Limit)
	order := fmt.Sprintf(" ORDER BY started_at DESC, id DESC LIMIT %d", limit+1)
	parts := partitions(q)
	var selects []string
	var args []any
	for i, p := range parts {
		p.conds, p.args = append(p.conds, w.conds...), append(p.args, w.args...)
		sel := `SELECT ` + anomalyCols + ` FROM anomalies` + p.String() + order
		if len(parts) > 1 {
			sel = fmt.Sprintf("SELECT * FROM (%s) AS p%d", sel, i)
		}
		selects, args = append(selects, sel), append(args, p.args...)
	}
	query := selects[0]
	if len(selects) > 1 {
		query = strings.Join(selects, " UNION ALL ") + order
	}
	return query, args, limit, nil
}

// anomalyFilter is q's conditions but sites and shadow (see partitions),
// the cursor's included.
func anomalyFilter(q AnomalyQuery) (where, error) {
	var w where
	w.eq("camera", q.Camera)
	w.eq("kind", q.Kind)
	if q.Verifies != "" {
		// The second condition names the partial index's (migrate.go).
		w.add("verifies = ? AND verifies <> ''", q.Verifies)
	}
	w.eq("state", q.State)
	w.eq("status", q.Status)
	w.span("started_at", q.From, q.To)
	c, ok, err := decodeCursor(q.Cursor)
	if err != nil {
		return where{}, err
	}
	if ok {
		w.add("(started_at, id) < (?, ?)", c.ms, c.id)
	}
	return w, nil
}

// partitions splits a listing into parts that are each one newest-first
// range of an index — one per site, and per shadow flag when a status is
// asked for without one — to be merged by the database. A single IN over
// several sites, or a status over both flags, would instead make it read
// (or sort) every anomaly of those sites to cut one page: shadow anomalies
// in particular stay open, as nobody handles them.
func partitions(q AnomalyQuery) []where {
	sites := []any{nil} // nil: no site condition
	if len(q.Sites) > 0 && len(q.Sites) <= unionSites {
		sites = sites[:0]
		for _, site := range q.Sites {
			sites = append(sites, site)
		}
	}
	shadows := []any{nil}
	if q.Shadow != nil {
		shadows = []any{*q.Shadow}
	} else if q.Status != "" {
		shadows = []any{false, true}
	}
	var parts []where
	for _, site := range sites {
		for _, shadow := range shadows {
			var p where
			if site != nil {
				p.add("site = ?", site)
			}
			if len(q.Sites) > unionSites {
				p.in("site", q.Sites)
			}
			if shadow != nil {
				p.add("shadow = ?", shadow)
			}
			parts = append(parts, p)
		}
	}
	return parts
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
