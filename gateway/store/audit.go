package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Audit appends e; its ID is assigned by the database. An entry without a
// time is stamped now rather than refused: the log must not lose a call.
func (s *sqlStore) Audit(ctx context.Context, e AuditEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.Count < 1 {
		e.Count = 1
	}
	_, err := s.exec(ctx, `INSERT INTO audit (at, who, role, action, object, site, status, detail, addr, count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Time.UnixMilli(), e.Who, e.Role, e.Action, e.Object, e.Site, e.Status, e.Detail, e.Addr, e.Count)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditLog pages the log newest first by (at, id), like Anomalies.
func (s *sqlStore) AuditLog(ctx context.Context, q AuditQuery) (Page[AuditEntry], error) {
	var w where
	w.eq("who", q.Who)
	w.eq("site", q.Site)
	if q.Action != "" {
		// substr, not LIKE: LIKE ignores case in SQLite and not in
		// PostgreSQL, and would need its wildcards escaped.
		w.add("substr(action, 1, ?) = ?", utf8.RuneCountInString(q.Action), q.Action)
	}
	w.span("at", q.From, q.To)
	c, ok, err := decodeCursor(q.Cursor)
	if err != nil {
		return Page[AuditEntry]{}, err
	}
	if ok {
		id, err := strconv.ParseInt(c.id, 10, 64)
		if err != nil {
			return Page[AuditEntry]{}, invalid("cursor %q is not one this server gave", q.Cursor)
		}
		w.add("(at, id) < (?, ?)", c.ms, id)
	}
	limit := pageLimit(q.Limit)
	rows, err := s.r.QueryContext(ctx, s.d.q(fmt.Sprintf(`SELECT id, at, who, role, action, object, site, status, detail, addr, count
		FROM audit%s ORDER BY at DESC, id DESC LIMIT %d`, w.String(), limit+1)), w.args...)
	if err != nil {
		return Page[AuditEntry]{}, fmt.Errorf("store: audit log: %w", err)
	}
	items, err := collect(rows, scanAudit)
	if err != nil {
		return Page[AuditEntry]{}, fmt.Errorf("store: audit log: %w", err)
	}
	return pageOf(items, limit, func(e AuditEntry) cursor {
		return cursor{e.Time.UnixMilli(), strconv.FormatInt(e.ID, 10)}
	}), nil
}

// scanAudit reads one audit row.
func scanAudit(r interface{ Scan(...any) error }) (AuditEntry, error) {
	var e AuditEntry
	var t int64
	err := r.Scan(&e.ID, &t, &e.Who, &e.Role, &e.Action, &e.Object, &e.Site, &e.Status, &e.Detail, &e.Addr, &e.Count)
	e.Time = at(sqlInt(t))
	return e, err
}
