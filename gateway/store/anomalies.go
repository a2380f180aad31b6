package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// anomalyCols are the columns of an Anomaly, in scanAnomaly's order.
const anomalyCols = `id, site, camera, edge, kind, severity, state, score,
	box_x, box_y, box_w, box_h, zone, rule, rule_version, shadow,
	geo_lat, geo_lon, geo_alt, seq, started_at, updated_at, ended_at, has_snapshot,
	status, acknowledged_by, acknowledged_at, resolved_by, resolved_at, note, verifies`

// scanAnomaly reads one row of anomalyCols.
func scanAnomaly(row interface{ Scan(...any) error }) (Anomaly, error) {
	var a Anomaly
	var lat, lon, alt sql.NullFloat64
	var seq int64
	var started, updated, ended, acked, resolved sql.NullInt64
	err := row.Scan(&a.ID, &a.Site, &a.Camera, &a.Edge, &a.Kind, &a.Severity, &a.State, &a.Score,
		&a.Box[0], &a.Box[1], &a.Box[2], &a.Box[3], &a.Zone, &a.Rule, &a.RuleVersion, &a.Shadow,
		&lat, &lon, &alt, &seq, &started, &updated, &ended, &a.HasSnapshot,
		&a.Status, &a.AcknowledgedBy, &acked, &a.ResolvedBy, &resolved, &a.Note, &a.Verifies)
	if err != nil {
		return Anomaly{}, err
	}
	if lat.Valid && lon.Valid {
		a.Geo = &bus.Geo{Lat: lat.Float64, Lon: lon.Float64, Alt: alt.Float64}
	}
	a.Seq = uint64(seq)
	a.StartedAt, a.UpdatedAt, a.EndedAt = at(started), at(updated), at(ended)
	a.AcknowledgedAt, a.ResolvedAt = at(acked), at(resolved)
	return a, nil
}

// PutAnomaly applies one event in a transaction: create, update, or ignore.
func (s *sqlStore) PutAnomaly(ctx context.Context, e bus.Anomaly) (rec Anomaly, created, applied bool, err error) {
	if err := checkEvent(e); err != nil {
		return Anomaly{}, false, false, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		rec, created, applied, err = s.applyEvent(ctx, tx, e)
		return err
	})
	if err != nil {
		return Anomaly{}, false, false, fmt.Errorf("store: anomaly %s: %w", e.ID, err)
	}
	return rec, created, applied, nil
}

// checkEvent refuses an event the store could not file.
func checkEvent(e bus.Anomaly) error {
	switch {
	case e.ID == "":
		return invalid("anomaly without id")
	case e.Site == "" || e.Camera == "":
		return invalid("anomaly %s without site or camera", e.ID)
	case e.State != bus.StateStart && e.State != bus.StateUpdate && e.State != bus.StateEnd:
		return invalid("anomaly %s: state %q is not start, update or end", e.ID, e.State)
	case e.Seq > 1<<63-1:
		return invalid("anomaly %s: seq %d out of range", e.ID, e.Seq)
	}
	return nil
}

// applyEvent is PutAnomaly inside its transaction. A first event inserts
// the record (whatever its state: an update or end whose start was lost
// still tells of an anomaly); a later one updates it unless it is stale.
// An ignored event's snapshot is still kept when the record has none: a
// start redelivered after its update must not lose the picture.
func (s *sqlStore) applyEvent(ctx context.Context, tx *sql.Tx, e bus.Anomaly) (Anomaly, bool, bool, error) {
	if s.d.lockID != "" {
		if _, err := tx.ExecContext(ctx, s.d.q(s.d.lockID), e.ID); err != nil {
			return Anomaly{}, false, false, err
		}
	}
	cur, err := scanAnomaly(tx.QueryRowContext(ctx, s.d.q(`SELECT `+anomalyCols+` FROM anomalies WHERE id = ?`), e.ID))
	if errors.Is(err, sql.ErrNoRows) {
		rec := newRecord(e)
		if err := s.insertAnomaly(ctx, tx, rec); err != nil {
			return Anomaly{}, false, false, err
		}
		return rec, true, true, s.putSnapshot(ctx, tx, &rec, e.Snapshot)
	}
	if err != nil {
		return Anomaly{}, false, false, err
	}
	if e.Seq <= cur.Seq || cur.State == bus.StateEnd {
		return cur, false, false, s.putSnapshot(ctx, tx, &cur, e.Snapshot)
	}
	rec := applyTo(cur, e)
	if err := s.updateAnomaly(ctx, tx, rec); err != nil {
		return Anomaly{}, false, false, err
	}
	return rec, false, true, s.putSnapshot(ctx, tx, &rec, e.Snapshot)
}

// eventTime is when an event happened: its frame's time, else when it was
// published, else now.
func eventTime(e bus.Anomaly) time.Time {
	for _, t := range []time.Time{e.FrameTime.Time, e.PublishedAt.Time} {
		if !t.IsZero() {
			return t.UTC().Truncate(time.Millisecond)
		}
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

// newRecord is the open record a first event creates.
func newRecord(e bus.Anomaly) Anomaly {
	return applyTo(Anomaly{ID: e.ID, StartedAt: eventTime(e), Status: StatusOpen}, e)
}

// applyTo is rec after event e: the event's description replaces the old.
func applyTo(rec Anomaly, e bus.Anomaly) Anomaly {
	t := eventTime(e)
	rec.Site, rec.Camera, rec.Edge, rec.Kind, rec.Severity = e.Site, e.Camera, e.Edge, e.Kind, e.Severity
	rec.State, rec.Score, rec.Box, rec.Zone = e.State, e.Score, e.Box, e.Zone
	rec.Rule, rec.RuleVersion, rec.Shadow, rec.Seq = e.Rule, e.RuleVersion, e.Shadow, e.Seq
	if e.Geo != nil {
		g := *e.Geo
		rec.Geo = &g
	}
	if e.Verifies != "" {
		rec.Verifies = e.Verifies // an end after the flight comes without it: keep it
	}
	rec.UpdatedAt = t
	if e.State == bus.StateEnd {
		rec.EndedAt = t
	}
	return rec
}

// geoArgs are the geo columns' values, NULL when unknown.
func geoArgs(g *bus.Geo) []any {
	if g == nil {
		return []any{nil, nil, nil}
	}
	return []any{g.Lat, g.Lon, g.Alt}
}

// insertAnomaly inserts a new record.
func (s *sqlStore) insertAnomaly(ctx context.Context, tx *sql.Tx, r Anomaly) error {
	args := []any{r.ID, r.Site, r.Camera, r.Edge, r.Kind, r.Severity, r.State, r.Score,
		r.Box[0], r.Box[1], r.Box[2], r.Box[3], r.Zone, r.Rule, r.RuleVersion, r.Shadow}
	args = append(args, geoArgs(r.Geo)...)
	args = append(args, int64(r.Seq), ms(r.StartedAt), ms(r.UpdatedAt), ms(r.EndedAt), false,
		r.Status, "", nil, "", nil, "", r.Verifies)
	_, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO anomalies (`+anomalyCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
	return err
}

// updateAnomaly writes an applied event's fields; handling is left alone.
func (s *sqlStore) updateAnomaly(ctx context.Context, tx *sql.Tx, r Anomaly) error {
	args := []any{r.Site, r.Camera, r.Edge, r.Kind, r.Severity, r.State, r.Score,
		r.Box[0], r.Box[1], r.Box[2], r.Box[3], r.Zone, r.Rule, r.RuleVersion, r.Shadow}
	args = append(args, geoArgs(r.Geo)...)
	args = append(args, int64(r.Seq), ms(r.UpdatedAt), ms(r.EndedAt), r.Verifies, r.ID)
	_, err := tx.ExecContext(ctx, s.d.q(`UPDATE anomalies SET site = ?, camera = ?, edge = ?,
		kind = ?, severity = ?, state = ?, score = ?, box_x = ?, box_y = ?, box_w = ?, box_h = ?,
		zone = ?, rule = ?, rule_version = ?, shadow = ?, geo_lat = ?, geo_lon = ?, geo_alt = ?,
		seq = ?, updated_at = ?, ended_at = ?, verifies = ? WHERE id = ?`), args...)
	return err
}

// putSnapshot stores jpeg as rec's snapshot when rec has none yet: the
// first picture of an anomaly (its start's) is the one kept.
func (s *sqlStore) putSnapshot(ctx context.Context, tx *sql.Tx, rec *Anomaly, jpeg []byte) error {
	if len(jpeg) == 0 || rec.HasSnapshot {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO snapshots (anomaly_id, jpeg) VALUES (?, ?)
		ON CONFLICT (anomaly_id) DO NOTHING`), rec.ID, jpeg); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE anomalies SET has_snapshot = ? WHERE id = ?`), true, rec.ID); err != nil {
		return err
	}
	rec.HasSnapshot = true
	return nil
}
