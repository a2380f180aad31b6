package api

// SIMULATED parts for the API tests. The SQLite store (gateway/store), the
// directory's catalog and the wall and handling (gateway/alerts) are built
// on other branches at the same time; these fakes implement only the API's
// own interfaces (deps.go), as plainly as possible, so that what is tested
// is the API: who may do what, scope, audit, paging parameters, events.
// TODO(merge): swap memStore for the real SQLite store (store.OpenSQLite
// on a t.TempDir file) once it is on main (tried: the tests pass on it).

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access/accesstest"
	"github.com/argus-edge/argus/gateway/store"
)

// memStore is a map-backed store: anomalies, snapshots, audit; users and
// sessions from accesstest.
type memStore struct {
	*accesstest.Store
	mu        sync.Mutex
	anomalies map[string]store.Anomaly
	snapshots map[string][]byte
	audit     []store.AuditEntry
}

func newMemStore() *memStore {
	return &memStore{Store: accesstest.NewStore(), anomalies: map[string]store.Anomaly{}, snapshots: map[string][]byte{}}
}

func (m *memStore) put(a store.Anomaly, jpeg []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a.HasSnapshot = jpeg != nil
	m.anomalies[a.ID] = a
	if jpeg != nil {
		m.snapshots[a.ID] = jpeg
	}
}

func (m *memStore) Anomaly(_ context.Context, id string) (store.Anomaly, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.anomalies[id]
	if !ok {
		return a, store.ErrNotFound
	}
	return a, nil
}

func (m *memStore) Anomalies(_ context.Context, q store.AnomalyQuery) (store.Page[store.Anomaly], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []store.Anomaly
	for _, a := range m.anomalies {
		if (q.Sites == nil || slices.Contains(q.Sites, a.Site)) && (q.Camera == "" || q.Camera == a.Camera) &&
			(q.Kind == "" || q.Kind == a.Kind) && (q.State == "" || q.State == a.State) &&
			(q.Status == "" || q.Status == a.Status) && (q.Shadow == nil || *q.Shadow == a.Shadow) &&
			(q.From.IsZero() || !a.StartedAt.Before(q.From)) && (q.To.IsZero() || a.StartedAt.Before(q.To)) {
			all = append(all, a)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].StartedAt.After(all[j].StartedAt) })
	return pageOf(all, q.Limit, q.Cursor), nil
}

// pageOf cuts a page; the cursor is an offset (the real store's is opaque).
func pageOf[T any](all []T, limit int, cursor string) store.Page[T] {
	off, _ := strconv.Atoi(cursor)
	if limit <= 0 {
		limit = 50
	}
	end := min(off+limit, len(all))
	if off > len(all) {
		off = end
	}
	p := store.Page[T]{Items: all[off:end]}
	if end < len(all) {
		p.Next = strconv.Itoa(end)
	}
	return p
}

func (m *memStore) Snapshot(_ context.Context, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.snapshots[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return b, nil
}

// handling acknowledges and resolves in memStore and tells onChange, as
// alerts tells its listeners.
type handling struct {
	m        *memStore
	onChange func(store.Anomaly)
}

func (h *handling) Acknowledge(_ context.Context, id, who, note string) (store.Anomaly, error) {
	return h.update(id, func(a *store.Anomaly) {
		if a.Status == store.StatusOpen {
			a.Status, a.AcknowledgedBy, a.AcknowledgedAt, a.Note = store.StatusAcknowledged, who, time.Now(), note
		}
	})
}

func (h *handling) Resolve(_ context.Context, id, who, note string) (store.Anomaly, error) {
	return h.update(id, func(a *store.Anomaly) {
		a.Status, a.ResolvedBy, a.ResolvedAt, a.Note = store.StatusResolved, who, time.Now(), note
	})
}

func (h *handling) update(id string, f func(*store.Anomaly)) (store.Anomaly, error) {
	h.m.mu.Lock()
	a, ok := h.m.anomalies[id]
	if !ok {
		h.m.mu.Unlock()
		return a, store.ErrNotFound
	}
	f(&a)
	h.m.anomalies[id] = a
	h.m.mu.Unlock()
	h.onChange(a)
	return a, nil
}

func (m *memStore) Audit(_ context.Context, e store.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.ID = int64(len(m.audit) + 1)
	m.audit = append(m.audit, e)
	return nil
}

func (m *memStore) AuditLog(_ context.Context, q store.AuditQuery) (store.Page[store.AuditEntry], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []store.AuditEntry
	for i := len(m.audit) - 1; i >= 0; i-- {
		e := m.audit[i]
		if (q.Who == "" || q.Who == e.Who) && strings.HasPrefix(e.Action, q.Action) && (q.Site == "" || q.Site == e.Site) {
			all = append(all, e)
		}
	}
	return pageOf(all, q.Limit, q.Cursor), nil
}

// entries is a copy of the audit log, oldest first.
func (m *memStore) entries() []store.AuditEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.audit)
}

// catalog is a fixed list of cameras and edges.
type catalog struct {
	cams  []bus.CameraStatus // sorted by id
	edges []bus.EdgeStatus
}

func (c *catalog) Cameras(q CameraQuery) ([]bus.CameraStatus, int, string) {
	var all []bus.CameraStatus
	for _, s := range c.cams {
		if (q.Sites == nil || slices.Contains(q.Sites, s.Site)) && (q.Site == "" || q.Site == s.Site) &&
			(q.State == "" || q.State == s.State) && strings.Contains(s.Camera, strings.ToLower(q.Q)) {
			all = append(all, s)
		}
	}
	p := pageOf(all, q.Limit, q.Cursor)
	return p.Items, len(all), p.Next
}

func (c *catalog) Camera(id string) (bus.CameraStatus, bool) {
	for _, s := range c.cams {
		if s.Camera == id {
			return s, true
		}
	}
	return bus.CameraStatus{}, false
}

func (c *catalog) Edges() []bus.EdgeStatus { return c.edges }

func (c *catalog) Sites() []SiteSummary {
	by := map[string]*SiteSummary{}
	var order []string
	for _, s := range c.cams {
		if by[s.Site] == nil {
			by[s.Site] = &SiteSummary{Site: s.Site}
			order = append(order, s.Site)
		}
		by[s.Site].Cameras++
		if s.State == "online" {
			by[s.Site].Online++
		} else {
			by[s.Site].Offline++
		}
	}
	var out []SiteSummary
	for _, s := range order {
		out = append(out, *by[s])
	}
	return out
}

// wall is a list of entries; add and dismiss call onChange, as alerts' listener would.
type wall struct {
	mu       sync.Mutex
	entries  []store.WallEntry
	onChange func([]store.WallEntry)
}

func (w *wall) Wall(context.Context) ([]store.WallEntry, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.entries), nil
}

func (w *wall) AddToWall(_ context.Context, camera, site, who string) (store.WallEntry, error) {
	w.mu.Lock()
	e := store.WallEntry{Camera: camera, Site: site, Reason: "added by " + who}
	w.entries = append(w.entries, e)
	list := slices.Clone(w.entries)
	w.mu.Unlock()
	if w.onChange != nil {
		w.onChange(list)
	}
	return e, nil
}

func (w *wall) Dismiss(_ context.Context, camera, who string) error {
	w.mu.Lock()
	w.entries = slices.DeleteFunc(w.entries, func(e store.WallEntry) bool { return e.Camera == camera })
	list := slices.Clone(w.entries)
	w.mu.Unlock()
	if w.onChange != nil {
		w.onChange(list)
	}
	return nil
}
