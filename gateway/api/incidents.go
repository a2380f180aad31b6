package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/argus-edge/argus/gateway/incidents"
	"github.com/argus-edge/argus/gateway/store"
)

// incidentMembersShown bounds the members listed with one incident.
const incidentMembersShown = 1000

// incidentList lists the incidents touching the caller's sites, newest first.
func (s *Server) incidentList(c *call) {
	q := c.r.URL.Query()
	iq := store.IncidentQuery{Sites: c.p.Scope(), State: q.Get("state"), Kind: q.Get("kind"), Cursor: q.Get("cursor")}
	if site := q.Get("site"); site != "" {
		if !c.inScope(site) {
			return
		}
		iq.Site = site
	}
	if iq.State != "" && !slices.Contains(anomalyStatuses, iq.State) {
		c.fail(http.StatusBadRequest, "state: want open, acknowledged or resolved")
		return
	}
	var ok bool
	if iq.Limit, ok = c.limit(); !ok {
		return
	}
	page, err := s.opts.Store.Incidents(c.r.Context(), iq)
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.ok(page)
}

// findIncident loads the incident of the path. One touching none of the
// caller's sites answers 404, like an unknown id.
func (s *Server) findIncident(c *call) (store.Incident, bool) {
	id := c.r.PathValue("id")
	c.object = id
	inc, err := s.opts.Store.Incident(c.r.Context(), id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			c.fail(http.StatusNotFound, "no incident "+id)
		} else {
			c.failErr(s, err)
		}
		return inc, false
	}
	c.site = inc.Site
	for _, site := range append([]string{inc.Site}, inc.Sites...) {
		if c.p.Covers(site) {
			return inc, true
		}
	}
	c.fail(http.StatusNotFound, "no incident "+id)
	c.detail = "outside the caller's sites (answered 404)"
	return inc, false
}

// incidentDetail is one incident with its timeline and (the first
// incidentMembersShown of) its members.
type incidentDetail struct {
	store.Incident
	Members []store.IncidentMember `json:"members"`
}

// incident answers one incident with its members and timeline.
func (s *Server) incident(c *call) {
	inc, ok := s.findIncident(c)
	if !ok {
		return
	}
	ms, err := s.opts.Store.IncidentMembers(c.r.Context(), inc.ID, incidentMembersShown)
	if err != nil {
		c.failErr(s, err)
		return
	}
	// An incident spanning sites (a fire seen across a boundary) shows
	// each caller the members of its own sites only.
	mine := make([]store.IncidentMember, 0, len(ms))
	for _, m := range ms {
		if c.p.Covers(m.Site) {
			mine = append(mine, m)
		}
	}
	c.ok(incidentDetail{Incident: inc, Members: mine})
}

// incidentAck acknowledges an incident, with an optional note.
func (s *Server) incidentAck(c *call) { s.incidentAct(c, incidents.ActAck, "note") }

// incidentResolve resolves an incident, with an optional note.
func (s *Server) incidentResolve(c *call) { s.incidentAct(c, incidents.ActResolve, "note") }

// incidentNote adds a note.
func (s *Server) incidentNote(c *call) { s.incidentAct(c, incidents.ActNote, "text") }

// incidentAssign sets the owner ("" unassigns).
func (s *Server) incidentAssign(c *call) { s.incidentAct(c, incidents.ActAssign, "owner") }

// incidentAct reads the body's field and applies the action through the
// incident service, which tells the event stream.
func (s *Server) incidentAct(c *call, what, field string) {
	if s.opts.Incidents == nil {
		c.fail(http.StatusServiceUnavailable, "this gateway groups no incidents")
		return
	}
	var in map[string]string
	if !c.decode(&in) {
		return
	}
	text := in[field]
	if len(text) > 2000 {
		c.fail(http.StatusBadRequest, field+": at most 2000 characters")
		return
	}
	inc, ok := s.findIncident(c)
	if !ok {
		return
	}
	out, n, err := s.opts.Incidents.Act(c.r.Context(), inc.ID, incidents.Action{What: what, By: c.p.Name, Text: text, At: s.opts.Now().UTC()})
	if err != nil {
		c.failErr(s, err)
		return
	}
	if n > 0 {
		c.detail = fmt.Sprintf("%s %d member anomalies", what, n)
		s.publishMembers(c, inc.ID)
	}
	c.ok(out)
}

// membersPublished bounds the member anomalies an incident's ack or
// resolve sends to the event stream: the Alerts view's latest rows, not a
// storm's thousands (the view shows the rest at its next load).
const membersPublished = 200

// publishMembers tells the event stream of an incident's member anomalies
// as they are now (just acknowledged or resolved with it), the latest first.
func (s *Server) publishMembers(c *call, id string) {
	ms, err := s.opts.Store.IncidentMembers(c.r.Context(), id, 0)
	if err != nil {
		s.opts.Log.Warn().Err(err).Str("incident", id).Msg("members of a handled incident not sent to the consoles")
		return
	}
	for i := len(ms) - 1; i >= 0 && i >= len(ms)-membersPublished; i-- {
		if a, err := s.opts.Store.Anomaly(c.r.Context(), ms[i].Anomaly); err == nil {
			s.PublishAnomaly(a)
		}
	}
}
