package alerts

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// memStore is a SIMULATED store: an in-memory stand-in for the SQLite
// store (branch store, not yet on main when this was written) with the
// semantics store.Store documents for what Alerts calls: PutAnomaly's
// seq/end rules, the wall, Prune, Acknowledge. Every other method panics
// (the embedded nil interface). newStore hands it out until the SQLite
// store is merged.
type memStore struct {
	store.Store // nil: methods Alerts does not use panic

	mu        sync.Mutex
	anomalies map[string]store.Anomaly
	wall      map[string]store.WallEntry // dismissed entries kept, as the store keeps them
}

func newMemStore() *memStore {
	return &memStore{anomalies: map[string]store.Anomaly{}, wall: map[string]store.WallEntry{}}
}

func (m *memStore) PutAnomaly(_ context.Context, a bus.Anomaly) (store.Anomaly, bool, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.anomalies[a.ID]
	if ok && (a.Seq <= rec.Seq || rec.State == bus.StateEnd) {
		return rec, false, false, nil
	}
	if !ok {
		rec = store.Anomaly{ID: a.ID, Site: a.Site, Camera: a.Camera, Edge: a.Edge, Kind: a.Kind,
			Shadow: a.Shadow, Rule: a.Rule, RuleVersion: a.RuleVersion, StartedAt: a.FrameTime.Time,
			HasSnapshot: len(a.Snapshot) > 0, Status: store.StatusOpen}
	}
	rec.State, rec.Severity, rec.Score, rec.Box, rec.Zone, rec.Geo, rec.Seq = a.State, a.Severity, a.Score, a.Box, a.Zone, a.Geo, a.Seq
	rec.UpdatedAt = a.FrameTime.Time
	if a.State == bus.StateEnd {
		rec.EndedAt = a.FrameTime.Time
	}
	m.anomalies[a.ID] = rec
	return rec, !ok, true, nil
}

func (m *memStore) Anomaly(_ context.Context, id string) (store.Anomaly, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.anomalies[id]
	if !ok {
		return store.Anomaly{}, store.ErrNotFound
	}
	return rec, nil
}

func (m *memStore) Acknowledge(_ context.Context, id, who, note string, at time.Time) (store.Anomaly, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.anomalies[id]
	if !ok {
		return store.Anomaly{}, store.ErrNotFound
	}
	rec.Status, rec.AcknowledgedBy, rec.AcknowledgedAt, rec.Note = store.StatusAcknowledged, who, at, note
	m.anomalies[id] = rec
	return rec, nil
}

func (m *memStore) PutWall(_ context.Context, w store.WallEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wall[w.Camera] = w
	return nil
}

func (m *memStore) Wall(context.Context) ([]store.WallEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.WallEntry
	for _, w := range m.wall {
		if w.Dismissed.IsZero() {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b store.WallEntry) int { return a.Added.Compare(b.Added) })
	return out, nil
}

func (m *memStore) DismissWall(_ context.Context, camera, who string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.wall[camera]
	if !ok || !w.Dismissed.IsZero() {
		return store.ErrNotFound
	}
	w.Dismissed, w.DismissedBy = at, who
	m.wall[camera] = w
	return nil
}

// Prune drops snapshots older than r.Snapshots, then ended anomalies
// older than r.Anomalies, by start, as the store does.
func (m *memStore) Prune(_ context.Context, r store.Retention, now time.Time) (store.Pruned, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var p store.Pruned
	for id, rec := range m.anomalies {
		if r.Snapshots > 0 && rec.HasSnapshot && rec.StartedAt.Before(now.Add(-r.Snapshots)) {
			rec.HasSnapshot = false
			m.anomalies[id] = rec
			p.Snapshots++
		}
		if r.Anomalies > 0 && rec.State == bus.StateEnd && rec.StartedAt.Before(now.Add(-r.Anomalies)) {
			delete(m.anomalies, id)
			p.Anomalies++
		}
	}
	return p, nil
}
