package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// forUpdate is the suffix that locks a row read in a transaction until it
// ends: PostgreSQL's readers do not wait for writers otherwise; SQLite's
// one writer needs none.
func (d dialect) forUpdate() string {
	if d.name == "postgres" {
		return " FOR UPDATE"
	}
	return ""
}

// storedIncident reads an incident's row inside tx, locked for the rest of
// it; ok false when there is none.
func (s *sqlStore) storedIncident(ctx context.Context, tx *sql.Tx, id string) (Incident, bool, error) {
	inc, err := scanIncident(tx.QueryRowContext(ctx, s.d.q(`SELECT `+incidentCols+` FROM incidents WHERE id = ?`+s.d.forUpdate()), id))
	if err == sql.ErrNoRows {
		return Incident{}, false, nil
	}
	return inc, err == nil, err
}

// writeIncidentRow upserts the incident's row and its sites.
func (s *sqlStore) writeIncidentRow(ctx context.Context, tx *sql.Tx, inc Incident) error {
	doc, err := json.Marshal(incidentDoc{Title: inc.Title, Sites: inc.Sites, Highest: inc.Highest, Cause: inc.Cause, Power: inc.PowerArea,
		Merged: inc.Merged, Cameras: inc.Cameras, Count: inc.Count, Notes: inc.Notes})
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO incidents (`+incidentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, kind = excluded.kind, severity = excluded.severity,
			state = excluded.state, owner = excluded.owner, first_at = excluded.first_at, last_at = excluded.last_at, doc = excluded.doc`),
		inc.ID, inc.Rule, inc.Kind, inc.Site, inc.Severity, inc.State, inc.Owner, inc.First.UnixMilli(), inc.Last.UnixMilli(), string(doc)); err != nil {
		return err
	}
	for _, site := range append([]string{inc.Site}, inc.Sites...) {
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO incident_sites (site, incident) VALUES (?, ?) ON CONFLICT DO NOTHING`), site, inc.ID); err != nil {
			return err
		}
	}
	return nil
}

// writeTimeline appends lines to an incident's timeline.
func (s *sqlStore) writeTimeline(ctx context.Context, tx *sql.Tx, id string, entries []IncidentEntry) error {
	for _, e := range entries {
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO incident_timeline (incident, at, what, anomaly, camera, kind, by_who, body)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), id, e.At.UnixMilli(), e.What, e.Anomaly, e.Camera, e.Kind, e.By, e.Text); err != nil {
			return err
		}
	}
	return nil
}

// HandleIncident applies a person's action to an incident and, when
// members is StatusAcknowledged or StatusResolved, does the same to every
// member anomaly not yet that far (keeping each one's first handling),
// all in one transaction: the row is locked while act decides, so an
// action through another gateway replica waits for this one.
func (s *sqlStore) HandleIncident(ctx context.Context, id string, act func(*Incident) (IncidentEntry, error), members string) (Incident, int64, error) {
	var out Incident
	var changed int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		inc, ok, err := s.storedIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("incident %s: %w", id, ErrNotFound)
		}
		en, err := act(&inc)
		if err != nil {
			return err
		}
		if err := s.writeIncidentRow(ctx, tx, inc); err != nil {
			return err
		}
		if err := s.writeTimeline(ctx, tx, id, []IncidentEntry{en}); err != nil {
			return err
		}
		if changed, err = s.handleMembers(ctx, tx, id, members, en); err != nil {
			return err
		}
		out = inc
		return nil
	})
	if err != nil {
		return Incident{}, 0, fmt.Errorf("store: incident %s: %w", id, err)
	}
	return out, changed, nil
}

// handleMembers acknowledges or resolves an incident's member anomalies
// as en's author; "" leaves them.
func (s *sqlStore) handleMembers(ctx context.Context, tx *sql.Tx, id, to string, en IncidentEntry) (int64, error) {
	var q string
	var args []any
	switch to {
	case "":
		return 0, nil
	case StatusAcknowledged:
		q = `UPDATE anomalies SET status = ?, acknowledged_by = ?, acknowledged_at = ? WHERE status = ? AND id IN (SELECT anomaly FROM incident_members WHERE incident = ?)`
		args = []any{StatusAcknowledged, en.By, ms(en.At), StatusOpen, id}
	case StatusResolved:
		q = `UPDATE anomalies SET status = ?, resolved_by = ?, resolved_at = ? WHERE status <> ? AND id IN (SELECT anomaly FROM incident_members WHERE incident = ?)`
		args = []any{StatusResolved, en.By, ms(en.At), StatusResolved, id}
	default:
		return 0, invalid("members to " + to + ": want acknowledged or resolved")
	}
	res, err := tx.ExecContext(ctx, s.d.q(q), args...)
	if err != nil {
		return 0, fmt.Errorf("members: %w", err)
	}
	return res.RowsAffected()
}

// IncidentOfAnomaly names the incident an anomaly belongs to and how many
// of its members are not resolved ("" and 0 for an anomaly in none).
func (s *sqlStore) IncidentOfAnomaly(ctx context.Context, anomaly string) (string, int, error) {
	var id string
	err := s.w.QueryRowContext(ctx, s.d.q(`SELECT incident FROM incident_members WHERE anomaly = ?`), anomaly).Scan(&id)
	if err == sql.ErrNoRows {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("store: incident of %s: %w", anomaly, err)
	}
	var open int
	err = s.w.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM incident_members m JOIN anomalies a ON a.id = m.anomaly
		WHERE m.incident = ? AND a.status <> ?`), id, StatusResolved).Scan(&open)
	if err != nil {
		return "", 0, fmt.Errorf("store: incident %s open members: %w", id, err)
	}
	return id, open, nil
}
