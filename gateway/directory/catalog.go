package directory

import (
	"slices"
	"sort"
	"strings"

	"github.com/argus-edge/argus/drivers/bus"
)

// Page sizes of Cameras.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// CameraQuery selects a page of the camera catalog; empty fields match everything.
type CameraQuery struct {
	// Sites are the sites the caller may see: nil (or one "*") is every
	// site, an empty non-nil slice none.
	Sites []string
	// Site keeps one site.
	Site string
	// State keeps one state: online, offline, connecting or disabled.
	State string
	// Q keeps the cameras whose id contains it, ignoring case.
	Q string
	// Cursor is the previous page's next: the last id it held.
	Cursor string
	// Limit is the page size: DefaultLimit when 0 or less, at most MaxLimit.
	Limit int
}

// SiteSummary counts one site's cameras.
type SiteSummary struct {
	Site    string `json:"site"`
	Cameras int    `json:"cameras"`
	Online  int    `json:"online"`
	Offline int    `json:"offline"`
}

// catalog is the cameras sorted by id, kept in order as statuses come and
// go (a binary search and one copy per change) so that a query of 41,000
// cameras never sorts, plus each site's counts. The Directory's lock guards it.
type catalog struct {
	entries []*entry // sorted by id; pointers, so an insert moves 8 bytes a camera
	sites   map[string]*SiteSummary
}

// entry is what a query filters on, beside the id, without a map lookup.
type entry struct {
	id, site, state string
}

func newCatalog() catalog { return catalog{sites: map[string]*SiteSummary{}} }

// find is the index of id in entries, or where it would go.
func (c *catalog) find(id string) (int, bool) {
	i := sort.Search(len(c.entries), func(i int) bool { return c.entries[i].id >= id })
	return i, i < len(c.entries) && c.entries[i].id == id
}

// put adds a camera's status, or replaces old, its status in the catalog
// (had): in place when the id stays, as it does but for a clearing.
func (c *catalog) put(cs bus.CameraStatus, old bus.CameraStatus, had bool) {
	if had {
		c.count(old, -1)
	}
	c.count(cs, 1)
	i, found := c.find(cs.Camera)
	if found {
		*c.entries[i] = entry{id: cs.Camera, site: cs.Site, state: cs.State}
		return
	}
	c.entries = slices.Insert(c.entries, i, &entry{id: cs.Camera, site: cs.Site, state: cs.State})
}

// remove takes out a camera that is in the catalog with status cs.
func (c *catalog) remove(cs bus.CameraStatus) {
	if i, ok := c.find(cs.Camera); ok {
		c.entries = slices.Delete(c.entries, i, i+1)
		c.count(cs, -1)
	}
}

// count adds n (1 or -1) of cs to its site's summary.
func (c *catalog) count(cs bus.CameraStatus, n int) {
	s := c.sites[cs.Site]
	if s == nil {
		s = &SiteSummary{Site: cs.Site}
		c.sites[cs.Site] = s
	}
	s.Cameras += n
	switch cs.State {
	case bus.Online:
		s.Online += n
	case bus.Offline:
		s.Offline += n
	}
	if s.Cameras == 0 {
		delete(c.sites, cs.Site)
	}
}

// matcher is a CameraQuery made ready for the scan.
type matcher struct {
	sites map[string]bool // nil: every site
	site  string
	state string
	q     string
}

func newMatcher(q CameraQuery) matcher {
	m := matcher{site: q.Site, state: q.State, q: strings.ToLower(q.Q)}
	if q.Sites != nil && !slices.Contains(q.Sites, "*") {
		m.sites = make(map[string]bool, len(q.Sites))
		for _, s := range q.Sites {
			m.sites[s] = true
		}
	}
	return m
}

// all tells whether the query keeps every camera (no scan is needed).
func (m matcher) all() bool { return m.sites == nil && m.site == "" && m.state == "" && m.q == "" }

func (m matcher) match(e *entry) bool {
	return (m.sites == nil || m.sites[e.site]) && (m.site == "" || e.site == m.site) &&
		(m.state == "" || e.state == m.state) && (m.q == "" || strings.Contains(e.id, m.q))
}

// page returns the ids of one page of q, the number of matches in the
// whole catalog, and the cursor of the next page ("" at the end).
func (c *catalog) page(q CameraQuery) (ids []string, total int, next string) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	start := 0
	if q.Cursor != "" {
		var found bool
		if start, found = c.find(q.Cursor); found {
			start++ // keyset: strictly after the cursor
		}
	}
	m := newMatcher(q)
	if m.all() {
		end := min(start+limit, len(c.entries))
		for _, e := range c.entries[start:end] {
			ids = append(ids, e.id)
		}
		if end < len(c.entries) {
			next = ids[len(ids)-1]
		}
		return ids, len(c.entries), next
	}
	more := false
	for i, e := range c.entries {
		if !m.match(e) {
			continue
		}
		total++
		if i < start {
			continue
		}
		if len(ids) < limit {
			ids = append(ids, e.id)
		} else {
			more = true
		}
	}
	if more {
		next = ids[len(ids)-1]
	}
	return ids, total, next
}

// summaries lists the sites, sorted.
func (c *catalog) summaries() []SiteSummary {
	out := make([]SiteSummary, 0, len(c.sites))
	for _, s := range c.sites {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b SiteSummary) int { return strings.Compare(a.Site, b.Site) })
	return out
}

// Cameras returns one page of the catalog matching q, sorted by camera id,
// with the number of matches in all pages and the cursor of the next page
// ("" after the last).
func (d *Directory) Cameras(q CameraQuery) (items []bus.CameraStatus, total int, next string) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ids, total, next := d.catalog.page(q)
	items = make([]bus.CameraStatus, len(ids))
	for i, id := range ids {
		items[i] = d.cameras[id]
	}
	return items, total, next
}

// Sites counts the cameras of every site known, sorted by site; the
// caller keeps the sites its user may see.
func (d *Directory) Sites() []SiteSummary {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.catalog.summaries()
}
