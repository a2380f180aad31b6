package api

// SIMULATED parts for the API tests: the directory's catalog and the wall
// and handling (gateway/alerts), which have their own tests; these fakes
// implement only the API's own interfaces (deps.go), as plainly as
// possible, so that what is tested is the API: who may do what, scope,
// audit, paging parameters, events. The store is the real SQLite one.

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// pageOf cuts a page; the cursor is an offset.
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

// handling acknowledges and resolves in the store and tells onChange, as
// alerts tells its listeners.
type handling struct {
	st       store.Store
	onChange func(store.Anomaly)
}

func (h *handling) Acknowledge(ctx context.Context, id, who, note string) (store.Anomaly, error) {
	return h.told(h.st.Acknowledge(ctx, id, who, note, time.Now()))
}

func (h *handling) Resolve(ctx context.Context, id, who, note string) (store.Anomaly, error) {
	return h.told(h.st.Resolve(ctx, id, who, note, time.Now()))
}

func (h *handling) told(a store.Anomaly, err error) (store.Anomaly, error) {
	if err == nil {
		h.onChange(a)
	}
	return a, err
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
