package api

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/argus-edge/argus/gateway/store"
)

var anomalyStates = []string{"start", "update", "end"}
var anomalyStatuses = []string{store.StatusOpen, store.StatusAcknowledged, store.StatusResolved}

// anomalies lists the anomalies of the caller's sites, newest first.
func (s *Server) anomalies(c *call) {
	q := c.r.URL.Query()
	aq := store.AnomalyQuery{Sites: c.p.Scope(), Camera: q.Get("camera"), Kind: q.Get("kind"), Verifies: q.Get("verifies"),
		State: q.Get("state"), Status: q.Get("status"), Cursor: q.Get("cursor")}
	if site := q.Get("site"); site != "" {
		if !c.inScope(site) {
			return
		}
		aq.Sites = []string{site}
	}
	switch {
	case aq.State != "" && !slices.Contains(anomalyStates, aq.State):
		c.fail(http.StatusBadRequest, "state: want start, update or end")
		return
	case aq.Status != "" && !slices.Contains(anomalyStatuses, aq.Status):
		c.fail(http.StatusBadRequest, "status: want open, acknowledged or resolved")
		return
	}
	var ok bool
	if aq.Shadow, ok = shadowFilter(q.Get("shadow")); !ok {
		c.fail(http.StatusBadRequest, "shadow: want false (default), true or all")
		return
	}
	if aq.Limit, ok = c.limit(); !ok {
		return
	}
	if aq.From, aq.To, ok = c.times(); !ok {
		return
	}
	page, err := s.opts.Store.Anomalies(c.r.Context(), aq)
	if err != nil {
		c.failErr(s, err)
		return
	}
	if page.Items == nil {
		page.Items = []store.Anomaly{}
	}
	c.ok(page)
}

// shadowFilter reads the shadow parameter: live only by default.
func shadowFilter(v string) (*bool, bool) {
	yes, no := true, false
	switch v {
	case "", "false":
		return &no, true
	case "true":
		return &yes, true
	case "all":
		return nil, true
	}
	return nil, false
}

// find loads the anomaly of the path. Another site's anomaly answers 404,
// like an unknown id: ids must not tell what happens at sites the caller
// does not cover (the audit entry says why).
func (s *Server) find(c *call) (store.Anomaly, bool) {
	id := c.r.PathValue("id")
	c.object = id
	a, err := s.opts.Store.Anomaly(c.r.Context(), id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			c.fail(http.StatusNotFound, "no anomaly "+id)
		} else {
			c.failErr(s, err)
		}
		return a, false
	}
	c.site = a.Site
	if !c.p.Covers(a.Site) {
		c.fail(http.StatusNotFound, "no anomaly "+id)
		c.detail = "outside the caller's sites (answered 404)"
		return a, false
	}
	return a, true
}

// anomaly is one record.
func (s *Server) anomaly(c *call) {
	if a, ok := s.find(c); ok {
		c.ok(a)
	}
}

// snapshot is the JPEG of an anomaly's start.
func (s *Server) snapshot(c *call) {
	a, ok := s.find(c)
	if !ok {
		return
	}
	jpeg, err := s.opts.Store.Snapshot(c.r.Context(), a.ID)
	if errors.Is(err, store.ErrNotFound) {
		c.fail(http.StatusNotFound, "anomaly "+a.ID+" has no snapshot")
		return
	}
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.w.Header().Set("Content-Type", "image/jpeg")
	c.w.Header().Set("Cache-Control", "private, max-age=3600")
	c.w.Write(jpeg)
}

// ack acknowledges an anomaly.
func (s *Server) ack(c *call) { s.handle(c, s.opts.Handling.Acknowledge) }

// resolve resolves an anomaly, and its incident when it was the last
// member left unresolved (the audit entry's detail says so).
func (s *Server) resolve(c *call) {
	s.handle(c, func(ctx context.Context, id, who, note string) (store.Anomaly, error) {
		a, err := s.opts.Handling.Resolve(ctx, id, who, note)
		if err != nil || s.opts.Incidents == nil {
			return a, err
		}
		if inc, ok, err := s.opts.Incidents.MemberResolved(ctx, id, who); err != nil {
			s.opts.Log.Warn().Err(err).Str("anomaly", id).Msg("incident of a resolved anomaly not updated")
		} else if ok {
			c.detail = "resolved incident " + inc.ID + ": its last open member"
		}
		return a, nil
	})
}

// handle applies an acknowledgement or resolution with its note (the
// handling service tells the event stream).
func (s *Server) handle(c *call, apply func(ctx context.Context, id, who, note string) (store.Anomaly, error)) {
	var in struct {
		Note string `json:"note"`
	}
	if !c.decode(&in) {
		return
	}
	if len(in.Note) > 2000 {
		c.fail(http.StatusBadRequest, "note: at most 2000 characters")
		return
	}
	a, ok := s.find(c)
	if !ok {
		return
	}
	a, err := apply(c.r.Context(), a.ID, c.p.Name, in.Note)
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.ok(a)
}
