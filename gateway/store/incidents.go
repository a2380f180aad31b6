package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// incidentDoc is what an incident row keeps in its doc column: the
// fields no query filters on.
type incidentDoc struct {
	Title   string         `json:"title"`
	Sites   []string       `json:"sites"`
	Highest string         `json:"highest"`
	Cause   string         `json:"cause,omitempty"`
	Power   string         `json:"power_area,omitempty"`
	Merged  string         `json:"merged,omitempty"`
	Cameras []string       `json:"cameras"`
	Count   int            `json:"count"`
	Notes   []IncidentNote `json:"notes,omitempty"`
}

// incidentCols are the columns scanIncident reads.
const incidentCols = `id, rule, kind, site, severity, state, owner, first_at, last_at, doc`

// maxMembersRead bounds IncidentMembers.
const maxMembersRead = 10000

// PutIncident upserts the row, its sites, the added members and the new
// timeline lines. What people decide stays as stored: an incident
// acknowledged, assigned or noted (perhaps through another replica) keeps
// its state, owner and notes; the grouping can only resolve it (a merge).
// It returns the incident as written.
func (s *sqlStore) PutIncident(ctx context.Context, inc Incident, added []IncidentMember, entries []IncidentEntry) (Incident, error) {
	if inc.ID == "" || inc.Site == "" {
		return Incident{}, invalid("incident without id or site")
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		old, ok, err := s.storedIncident(ctx, tx, inc.ID)
		if err != nil {
			return err
		}
		if ok {
			if inc.State != StatusResolved || old.State == StatusResolved {
				inc.State = old.State
			}
			inc.Owner, inc.Notes = old.Owner, old.Notes
		}
		if err := s.writeIncidentRow(ctx, tx, inc); err != nil {
			return err
		}
		for _, m := range added {
			if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO incident_members (anomaly, incident, camera, site, edge, kind, at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (anomaly) DO UPDATE SET incident = excluded.incident`),
				m.Anomaly, inc.ID, m.Camera, m.Site, m.Edge, m.Kind, m.At.UnixMilli()); err != nil {
				return err
			}
		}
		return s.writeTimeline(ctx, tx, inc.ID, entries)
	})
	if err != nil {
		return Incident{}, fmt.Errorf("store: incident %s: %w", inc.ID, err)
	}
	return inc, nil
}

// scanIncident reads one row of incidentCols.
func scanIncident(row interface{ Scan(...any) error }) (Incident, error) {
	var inc Incident
	var first, last int64
	var doc string
	if err := row.Scan(&inc.ID, &inc.Rule, &inc.Kind, &inc.Site, &inc.Severity, &inc.State, &inc.Owner, &first, &last, &doc); err != nil {
		return Incident{}, err
	}
	var d incidentDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return Incident{}, fmt.Errorf("incident %s: doc: %w", inc.ID, err)
	}
	inc.Title, inc.Sites, inc.Highest, inc.Cause, inc.Merged, inc.PowerArea = d.Title, d.Sites, d.Highest, d.Cause, d.Merged, d.Power
	inc.Cameras, inc.Count, inc.Notes = d.Cameras, d.Count, d.Notes
	inc.First, inc.Last = at(sqlInt(first)), at(sqlInt(last))
	return inc, nil
}

// Incident reads one incident and the latest lines of its timeline.
func (s *sqlStore) Incident(ctx context.Context, id string) (Incident, error) {
	inc, err := scanIncident(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+incidentCols+` FROM incidents WHERE id = ?`), id))
	if err != nil {
		return Incident{}, notFound(err, "incident "+id)
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(fmt.Sprintf(`SELECT at, what, anomaly, camera, kind, by_who, body
		FROM incident_timeline WHERE incident = ? ORDER BY id DESC LIMIT %d`, MaxTimeline)), id)
	if err != nil {
		return Incident{}, fmt.Errorf("store: incident %s timeline: %w", id, err)
	}
	tl, err := collect(rows, func(r interface{ Scan(...any) error }) (IncidentEntry, error) {
		var e IncidentEntry
		var t int64
		err := r.Scan(&t, &e.What, &e.Anomaly, &e.Camera, &e.Kind, &e.By, &e.Text)
		e.At = at(sqlInt(t))
		return e, err
	})
	if err != nil {
		return Incident{}, fmt.Errorf("store: incident %s timeline: %w", id, err)
	}
	for i, j := 0, len(tl)-1; i < j; i, j = i+1, j-1 {
		tl[i], tl[j] = tl[j], tl[i]
	}
	inc.Timeline = tl
	return inc, nil
}

// Incidents pages newest first by (first_at, id).
func (s *sqlStore) Incidents(ctx context.Context, q IncidentQuery) (Page[Incident], error) {
	if q.Sites != nil && len(q.Sites) == 0 {
		return Page[Incident]{Items: []Incident{}}, nil
	}
	var w where
	w.eq("state", q.State)
	w.eq("kind", q.Kind)
	if q.Site != "" {
		w.add("id IN (SELECT incident FROM incident_sites WHERE site = ?)", q.Site)
	}
	if q.Sites != nil {
		w.add("id IN (SELECT incident FROM incident_sites WHERE site IN ("+marks(len(q.Sites))+"))", anys(q.Sites)...)
	}
	c, ok, err := decodeCursor(q.Cursor)
	if err != nil {
		return Page[Incident]{}, err
	}
	if ok {
		w.add("(first_at, id) < (?, ?)", c.ms, c.id)
	}
	limit := pageLimit(q.Limit)
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+incidentCols+` FROM incidents`+w.String()+
		fmt.Sprintf(" ORDER BY first_at DESC, id DESC LIMIT %d", limit+1)), w.args...)
	if err != nil {
		return Page[Incident]{}, fmt.Errorf("store: incidents: %w", err)
	}
	items, err := collect(rows, scanIncident)
	if err != nil {
		return Page[Incident]{}, fmt.Errorf("store: incidents: %w", err)
	}
	return pageOf(items, limit, func(i Incident) cursor { return cursor{i.First.UnixMilli(), i.ID} }), nil
}

// anys is ss as arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// IncidentMembers reads an incident's members, oldest first.
func (s *sqlStore) IncidentMembers(ctx context.Context, id string, limit int) ([]IncidentMember, error) {
	if limit <= 0 || limit > maxMembersRead {
		limit = maxMembersRead
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(fmt.Sprintf(`SELECT anomaly, camera, site, edge, kind, at
		FROM incident_members WHERE incident = ? ORDER BY at, anomaly LIMIT %d`, limit)), id)
	if err != nil {
		return nil, fmt.Errorf("store: incident %s members: %w", id, err)
	}
	ms, err := collect(rows, func(r interface{ Scan(...any) error }) (IncidentMember, error) {
		var m IncidentMember
		var t int64
		err := r.Scan(&m.Anomaly, &m.Camera, &m.Site, &m.Edge, &m.Kind, &t)
		m.At = at(sqlInt(t))
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: incident %s members: %w", id, err)
	}
	return ms, nil
}

// OpenIncidents reads the unresolved incidents with an event since then.
func (s *sqlStore) OpenIncidents(ctx context.Context, since time.Time) ([]Incident, error) {
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+incidentCols+` FROM incidents
		WHERE state IN (?, ?) AND last_at >= ? ORDER BY first_at, id`), StatusOpen, StatusAcknowledged, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: open incidents: %w", err)
	}
	incs, err := collect(rows, scanIncident)
	if err != nil {
		return nil, fmt.Errorf("store: open incidents: %w", err)
	}
	return incs, nil
}
