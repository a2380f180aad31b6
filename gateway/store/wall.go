package store

import (
	"context"
	"fmt"
	"time"
)

// PutWall upserts the camera's undismissed entry: a new one, or the one on
// the wall refreshed with w's anomaly, kind, severity and reason (keeping
// when it was added, so the wall's order holds). A dismissed entry stays in
// the history and a later PutWall starts a new one.
func (s *sqlStore) PutWall(ctx context.Context, w WallEntry) error {
	if w.Camera == "" {
		return invalid("wall entry without camera")
	}
	if w.Added.IsZero() {
		w.Added = time.Now()
	}
	_, err := s.exec(ctx, `INSERT INTO wall (camera, site, anomaly, kind, severity, reason, added, dismissed, dismissed_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '')
		ON CONFLICT (camera) WHERE dismissed IS NULL DO UPDATE SET site = excluded.site,
		anomaly = excluded.anomaly, kind = excluded.kind, severity = excluded.severity, reason = excluded.reason`,
		w.Camera, w.Site, w.Anomaly, w.Kind, w.Severity, w.Reason, w.Added.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: wall %s: %w", w.Camera, err)
	}
	return nil
}

// Wall lists the undismissed entries, oldest first.
func (s *sqlStore) Wall(ctx context.Context) ([]WallEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT camera, site, anomaly, kind, severity, reason, added
		FROM wall WHERE dismissed IS NULL ORDER BY added, id`)
	if err != nil {
		return nil, fmt.Errorf("store: wall: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (WallEntry, error) {
		var w WallEntry
		var added int64
		err := r.Scan(&w.Camera, &w.Site, &w.Anomaly, &w.Kind, &w.Severity, &w.Reason, &added)
		w.Added = at(sqlInt(added))
		return w, err
	})
}

// DismissWall dismisses the camera's entry; ErrNotFound if it is not on the wall.
func (s *sqlStore) DismissWall(ctx context.Context, camera, who string, t time.Time) error {
	if t.IsZero() {
		t = time.Now()
	}
	n, err := s.exec(ctx, `UPDATE wall SET dismissed = ?, dismissed_by = ? WHERE camera = ? AND dismissed IS NULL`,
		t.UnixMilli(), who, camera)
	if err != nil {
		return fmt.Errorf("store: dismiss %s: %w", camera, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: camera %s on the wall", ErrNotFound, camera)
	}
	return nil
}
