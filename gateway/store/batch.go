package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/argus-edge/argus/drivers/bus"
)

// AnomalyResult is what PutAnomalies did with one event: as PutAnomaly
// answers, or Err (wrapping ErrInvalid) for an event the store refuses.
type AnomalyResult struct {
	Record           Anomaly // the record just after this event
	Created, Applied bool
	Err              error
}

// batchRecord is one anomaly id's state while a batch is applied.
type batchRecord struct {
	rec      Anomaly
	stored   bool   // the row exists (read at the start of the batch)
	changed  bool   // an event of the batch applied to it
	snapshot []byte // the picture to insert, when the record had none
}

// PutAnomalies applies events in order in one transaction, as PutAnomaly
// would one after the other: one read of the records the batch touches,
// one multi-row INSERT per rowsPerInsert new records, one UPDATE per
// changed record. On PostgreSQL the ids are locked first, in one fixed
// order, so two replicas writing the same events never create a row twice
// nor deadlock. An invalid event gets its Err and takes nothing else down;
// any other error fails the whole batch, and nothing of it is written.
func (s *sqlStore) PutAnomalies(ctx context.Context, events []bus.Anomaly) ([]AnomalyResult, error) {
	out := make([]AnomalyResult, len(events))
	var ids []string
	for i, e := range events {
		if err := checkEvent(e); err != nil {
			out[i].Err = err
			continue
		}
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return out, nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockIDs(ctx, tx, ids); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		recs, err := s.readRecords(ctx, tx, ids)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		applyBatch(events, out, recs)
		return s.writeBatch(ctx, tx, recs)
	})
	if err != nil {
		return nil, fmt.Errorf("store: %d anomaly events: %w", len(events), err)
	}
	return out, nil
}

// lockIDs takes the dialect's per-id lock on every id, in the order of
// their lock keys: the same order in every replica, so no deadlock.
func (s *sqlStore) lockIDs(ctx context.Context, tx *sql.Tx, ids []string) error {
	if s.d.lockID == "" {
		return nil
	}
	// One statement with the ids as one array: one text for every batch
	// (pgx prepares it once per connection) and one key order over the
	// whole batch, the same in every replica.
	rows, err := tx.QueryContext(ctx, `SELECT pg_advisory_xact_lock(k) FROM (SELECT hashtextextended(id, 0) AS k
		FROM unnest($1::text[]) AS v(id) ORDER BY k) AS keys`, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return rows.Close()
}

// readRecords reads the stored records of ids.
func (s *sqlStore) readRecords(ctx context.Context, tx *sql.Tx, ids []string) (map[string]*batchRecord, error) {
	recs := make(map[string]*batchRecord, len(ids))
	err := chunks(len(ids), func(from, to int) error {
		chunk := ids[from:to]
		rows, err := s.queryIn(ctx, tx, `SELECT `+anomalyCols+` FROM anomalies WHERE id IN (`+
			placeholders(len(chunk), "?")+`)`, anySlice(chunk)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			a, err := scanAnomaly(rows)
			if err != nil {
				rows.Close()
				return err
			}
			recs[a.ID] = &batchRecord{rec: a, stored: true}
		}
		return rows.Close()
	})
	return recs, err
}

// applyBatch applies the valid events in order to the records in memory,
// filling each event's result; it is applyEvent without the writes.
func applyBatch(events []bus.Anomaly, out []AnomalyResult, recs map[string]*batchRecord) {
	for i, e := range events {
		if out[i].Err != nil {
			continue
		}
		r, ok := recs[e.ID]
		switch {
		case !ok:
			r = &batchRecord{rec: newRecord(e), changed: true}
			recs[e.ID] = r
			out[i].Created, out[i].Applied = true, true
		case e.Seq <= r.rec.Seq || r.rec.State == bus.StateEnd:
			// stale or after the end: ignored, but its picture is kept below
		default:
			r.rec = applyTo(r.rec, e)
			r.changed = true
			out[i].Applied = true
		}
		if len(e.Snapshot) > 0 && !r.rec.HasSnapshot {
			r.snapshot, r.rec.HasSnapshot = e.Snapshot, true
		}
		out[i].Record = r.rec
	}
}

// writeBatch writes the records applyBatch changed: new ones in
// multi-row INSERTs, the others one UPDATE each, then the pictures.
func (s *sqlStore) writeBatch(ctx context.Context, tx *sql.Tx, recs map[string]*batchRecord) error {
	fresh := make([]Anomaly, 0, len(recs))
	for _, r := range recs {
		switch {
		case !r.stored:
			fresh = append(fresh, r.rec)
		case r.changed:
			if err := s.updateAnomaly(ctx, tx, r.rec); err != nil {
				return fmt.Errorf("update %s: %w", r.rec.ID, err)
			}
		}
	}
	if err := s.insertFresh(ctx, tx, fresh); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	for _, r := range recs {
		if r.snapshot == nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO snapshots (anomaly_id, jpeg) VALUES (?, ?)
			ON CONFLICT (anomaly_id) DO NOTHING`), r.rec.ID, r.snapshot); err != nil {
			return fmt.Errorf("snapshot %s: %w", r.rec.ID, err)
		}
		if r.stored { // a new row was inserted with has_snapshot already set
			if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE anomalies SET has_snapshot = ? WHERE id = ?`), true, r.rec.ID); err != nil {
				return fmt.Errorf("snapshot %s: %w", r.rec.ID, err)
			}
		}
	}
	return nil
}

// insertFresh inserts new records: with COPY on PostgreSQL, else in
// multi-row INSERTs.
func (s *sqlStore) insertFresh(ctx context.Context, tx *sql.Tx, fresh []Anomaly) error {
	if len(fresh) == 0 {
		return nil
	}
	if !s.canCopy(tx) {
		return chunks(len(fresh), func(from, to int) error { return s.insertAnomalies(ctx, tx, fresh[from:to]) })
	}
	rows := make([][]any, len(fresh))
	for i, r := range fresh {
		rows[i] = append(append([]any{r.ID, r.Site, r.Camera, r.Edge, r.Kind, r.Severity, r.State, r.Score,
			r.Box[0], r.Box[1], r.Box[2], r.Box[3], r.Zone, r.Rule, r.RuleVersion, r.Shadow}, geoArgs(r.Geo)...),
			int64(r.Seq), ms(r.StartedAt), ms(r.UpdatedAt), ms(r.EndedAt), r.HasSnapshot,
			r.Status, "", nil, "", nil, "", r.Verifies)
	}
	_, err := s.copyRows(ctx, tx, "anomalies", anomalyColumns, rows)
	return err
}

// anomalyColumns are anomalyCols one by one.
var anomalyColumns = strings.Fields(strings.ReplaceAll(anomalyCols, ",", " "))

// insertAnomalies inserts new records in one statement. A new record is
// not handled yet (as insertAnomaly writes it): its handling columns are
// literals, not bound (five values fewer a row to convert and bind).
func (s *sqlStore) insertAnomalies(ctx context.Context, tx *sql.Tx, rs []Anomaly) error {
	const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, '', NULL, '', ?)"
	args := make([]any, 0, len(rs)*26)
	for _, r := range rs {
		args = append(args, r.ID, r.Site, r.Camera, r.Edge, r.Kind, r.Severity, r.State, r.Score,
			r.Box[0], r.Box[1], r.Box[2], r.Box[3], r.Zone, r.Rule, r.RuleVersion, r.Shadow)
		args = append(args, geoArgs(r.Geo)...)
		args = append(args, int64(r.Seq), ms(r.StartedAt), ms(r.UpdatedAt), ms(r.EndedAt), r.HasSnapshot,
			r.Status, r.Verifies)
	}
	return s.execIn(ctx, tx, `INSERT INTO anomalies (`+anomalyCols+`) VALUES `+placeholders(len(rs), row), args...)
}

// placeholders is n copies of one, comma-separated.
func placeholders(n int, one string) string {
	return strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}

// anySlice is ids as query arguments.
func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
