package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
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
	out, err := s.PutIncidents(ctx, []IncidentChange{{Incident: inc, Added: added, Entries: entries}})
	if err != nil {
		return Incident{}, err
	}
	return out[0], nil
}

// PutIncidents writes changes in order in one transaction, each as
// PutIncident does (people's state, owner and notes kept as stored), and
// returns the incidents as written, one per change.
func (s *sqlStore) PutIncidents(ctx context.Context, changes []IncidentChange) ([]Incident, error) {
	for _, ch := range changes {
		if ch.Incident.ID == "" || ch.Incident.Site == "" {
			return nil, invalid("incident without id or site")
		}
	}
	var written []Incident
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stored, err := s.storedIncidents(ctx, tx, changes)
		if err != nil {
			return fmt.Errorf("store: %d incidents: %w", len(changes), err)
		}
		changes = keepPeoples(changes, stored)
		written = make([]Incident, len(changes))
		docs := make([]string, len(changes))
		for i, ch := range changes {
			inc := ch.Incident
			written[i] = inc
			doc, err := json.Marshal(incidentDoc{Title: inc.Title, Sites: inc.Sites, Highest: inc.Highest, Cause: inc.Cause, Power: inc.PowerArea,
				Merged: inc.Merged, Cameras: inc.Cameras, Count: inc.Count, Notes: inc.Notes})
			if err != nil {
				return fmt.Errorf("store: incident %s: %w", inc.ID, err)
			}
			docs[i] = string(doc)
		}
		if distinctIncidents(changes) {
			if err := s.writeIncidents(ctx, tx, changes, docs); err != nil {
				return fmt.Errorf("store: %d incidents: %w", len(changes), err)
			}
			return nil
		}
		for i, ch := range changes {
			if err := s.writeIncident(ctx, tx, ch, docs[i]); err != nil {
				return fmt.Errorf("store: incident %s: %w", ch.Incident.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return written, nil
}

// storedIncidents reads the stored rows of the changes' incidents inside
// tx, locked for the rest of it in id order (two replicas' batches never
// wait for each other crosswise), by id.
func (s *sqlStore) storedIncidents(ctx context.Context, tx *sql.Tx, changes []IncidentChange) (map[string]peoples, error) {
	ids := make([]string, 0, len(changes))
	seen := make(map[string]bool, len(changes))
	for _, ch := range changes {
		if !seen[ch.Incident.ID] {
			seen[ch.Incident.ID] = true
			ids = append(ids, ch.Incident.ID)
		}
	}
	slices.Sort(ids)
	out := make(map[string]peoples, len(ids))
	err := chunks(len(ids), func(from, to int) error {
		part := ids[from:to]
		rows, err := s.queryIn(ctx, tx, `SELECT id, state, owner, doc FROM incidents WHERE id IN (`+marks(len(part))+`) ORDER BY id`+s.d.forUpdate(), anys(part)...)
		if err != nil {
			return err
		}
		ps, err := collect(rows, scanPeoples)
		if err != nil {
			return err
		}
		for _, p := range ps {
			out[p.id] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// keepPeoples is changes with each incident's state, owner and notes as
// stored (or as an earlier change of the batch wrote them): the grouping
// may only resolve an incident, never reopen it nor touch what people set.
func keepPeoples(changes []IncidentChange, stored map[string]peoples) []IncidentChange {
	out := make([]IncidentChange, len(changes))
	for i, ch := range changes {
		inc := ch.Incident
		if old, ok := stored[inc.ID]; ok {
			if inc.State != StatusResolved || old.state == StatusResolved {
				inc.State = old.state
			}
			inc.Owner, inc.Notes = old.owner, old.notes
		}
		stored[inc.ID] = peoples{id: inc.ID, state: inc.State, owner: inc.Owner, notes: inc.Notes}
		ch.Incident = inc
		out[i] = ch
	}
	return out
}

// peoples is what people set on a stored incident, all the grouping's
// write must keep: read without the rest of the row (the doc's camera
// list, a hundred names, is decoded for nothing a batch's hundred times).
type peoples struct {
	id, state, owner string
	notes            []IncidentNote
}

// scanPeoples reads one row of id, state, owner, doc.
func scanPeoples(row interface{ Scan(...any) error }) (peoples, error) {
	var p peoples
	var doc []byte
	if err := row.Scan(&p.id, &p.state, &p.owner, &doc); err != nil {
		return peoples{}, err
	}
	var d struct {
		Notes []IncidentNote `json:"notes"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return peoples{}, fmt.Errorf("incident %s: doc: %w", p.id, err)
	}
	p.notes = d.Notes
	return p, nil
}

// distinctIncidents tells whether no incident has two changes (one
// upsert may not touch a row twice).
func distinctIncidents(changes []IncidentChange) bool {
	seen := make(map[string]bool, len(changes))
	for _, ch := range changes {
		if seen[ch.Incident.ID] {
			return false
		}
		seen[ch.Incident.ID] = true
	}
	return true
}

// memberRow is a member and the incident it goes under.
type memberRow struct {
	m   IncidentMember
	inc string
}

// entryRow is a timeline line and its incident.
type entryRow struct {
	e   IncidentEntry
	inc string
}

// writeIncidents writes changes of distinct incidents with one
// statement per table (a batch's hundred outages in four statements,
// not four hundred): the rows, their sites, the members (a member added
// twice goes under the last change's incident, as in sequence) and the
// timeline lines in order.
func (s *sqlStore) writeIncidents(ctx context.Context, tx *sql.Tx, changes []IncidentChange, docs []string) error {
	if err := s.insertRows(ctx, tx, `INSERT INTO incidents (`+incidentCols+`) VALUES `, incidentUpsert, len(changes), 10,
		func(i int) []any {
			inc := changes[i].Incident
			return []any{inc.ID, inc.Rule, inc.Kind, inc.Site, inc.Severity, inc.State, inc.Owner, inc.First.UnixMilli(), inc.Last.UnixMilli(), docs[i]}
		}); err != nil {
		return err
	}
	type pair struct{ site, inc string }
	var sites []pair
	seen := map[pair]bool{}
	nm, ne := 0, 0
	for _, ch := range changes {
		nm, ne = nm+len(ch.Added), ne+len(ch.Entries)
	}
	members, entries := make([]memberRow, 0, nm), make([]entryRow, 0, ne) // a typhoon's batch: a thousand each
	for _, ch := range changes {
		for _, site := range append([]string{ch.Incident.Site}, ch.Incident.Sites...) {
			if p := (pair{site, ch.Incident.ID}); !seen[p] {
				seen[p] = true
				sites = append(sites, p)
			}
		}
		for _, m := range ch.Added {
			members = append(members, memberRow{m, ch.Incident.ID})
		}
		for _, e := range ch.Entries {
			entries = append(entries, entryRow{e, ch.Incident.ID})
		}
	}
	if err := s.insertRows(ctx, tx, `INSERT INTO incident_sites (site, incident) VALUES `, " ON CONFLICT DO NOTHING",
		len(sites), 2, func(i int) []any { return []any{sites[i].site, sites[i].inc} }); err != nil {
		return err
	}
	members = lastOfEach(members)
	if err := s.insertRows(ctx, tx, `INSERT INTO incident_members (anomaly, incident, camera, site, edge, kind, at) VALUES `,
		memberUpsert, len(members), 7, func(i int) []any {
			m := members[i].m
			return []any{m.Anomaly, members[i].inc, m.Camera, m.Site, m.Edge, m.Kind, m.At.UnixMilli()}
		}); err != nil {
		return err
	}
	line := func(i int) []any {
		e := entries[i].e
		return []any{entries[i].inc, e.At.UnixMilli(), e.What, e.Anomaly, e.Camera, e.Kind, e.By, e.Text}
	}
	if len(entries) > 0 && s.canCopy(tx) {
		rows := make([][]any, len(entries))
		for i := range entries {
			rows[i] = line(i)
		}
		_, err := s.copyRows(ctx, tx, "incident_timeline", timelineColumns, rows)
		return err
	}
	return s.insertRows(ctx, tx, timelineInsert, "", len(entries), 8, line)
}

// timelineColumns are the columns of timelineInsert.
var timelineColumns = []string{"incident", "at", "what", "anomaly", "camera", "kind", "by_who", "body"}

// The statements of an incident's write.
const (
	incidentUpsert = ` ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, kind = excluded.kind, severity = excluded.severity,
		state = excluded.state, owner = excluded.owner, first_at = excluded.first_at, last_at = excluded.last_at, doc = excluded.doc`
	memberUpsert   = " ON CONFLICT (anomaly) DO UPDATE SET incident = excluded.incident"
	timelineInsert = `INSERT INTO incident_timeline (incident, at, what, anomaly, camera, kind, by_who, body) VALUES `
)

// writeIncident is one change of PutIncidents inside its transaction.
func (s *sqlStore) writeIncident(ctx context.Context, tx *sql.Tx, ch IncidentChange, doc string) error {
	return s.writeIncidents(ctx, tx, []IncidentChange{ch}, []string{doc})
}

// lastOfEach is ms with each anomaly only once, as its last occurrence
// (PostgreSQL refuses one upsert touching a row twice).
func lastOfEach(ms []memberRow) []memberRow {
	seen := make(map[string]bool, len(ms))
	out := make([]memberRow, 0, len(ms))
	for i := len(ms) - 1; i >= 0; i-- {
		if !seen[ms[i].m.Anomaly] {
			seen[ms[i].m.Anomaly] = true
			out = append(out, ms[i])
		}
	}
	slices.Reverse(out)
	return out
}

// insertRows inserts n rows of cols values each (row(i)'s) with
// multi-row statements of chunkSizes rows (stmts.go): head is the
// statement up to VALUES, tail what follows the rows. cols is at most
// 31 (256 rows bind 7,936 values, far below both backends' limits).
func (s *sqlStore) insertRows(ctx context.Context, tx *sql.Tx, head, tail string, n, cols int, row func(int) []any) error {
	one := "(" + placeholders(cols, "?") + ")"
	return chunks(n, func(from, to int) error {
		args := make([]any, 0, (to-from)*cols)
		for i := from; i < to; i++ {
			args = append(args, row(i)...)
		}
		return s.execIn(ctx, tx, head+placeholders(to-from, one)+tail, args...)
	})
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
