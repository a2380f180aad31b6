package api

import (
	"context"
	"net/http"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// ruleSite reads and checks the site of a rules call: a site id, in scope.
func (c *call) ruleSite() (string, bool) {
	site := c.r.PathValue("site")
	c.object = site
	if err := bus.ValidID(site); err != nil {
		c.fail(http.StatusBadRequest, "site: want 1 to 64 of a-z 0-9 _ -")
		return "", false
	}
	return site, c.inScope(site)
}

// rules is a site's live, shadow and stored rule sets.
func (s *Server) rules(c *call) {
	site, ok := c.ruleSite()
	if !ok {
		return
	}
	rs, err := s.opts.Rules.Get(c.r.Context(), site)
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.ok(rs)
}

// rulesValidate checks a document without storing it.
func (s *Server) rulesValidate(c *call) {
	site, ok := c.ruleSite()
	if !ok {
		return
	}
	doc, ok := c.body()
	if !ok {
		return
	}
	v, notes, err := s.opts.Rules.Check(site, doc)
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.ok(map[string]any{"ok": true, "version": v, "notes": problems(&strict.Error{Problems: notes})})
}

// rulesShadow stores a document as the site's shadow set.
func (s *Server) rulesShadow(c *call) {
	site, ok := c.ruleSite()
	if !ok {
		return
	}
	doc, ok := c.body()
	if !ok {
		return
	}
	rs, err := s.opts.Rules.SubmitShadow(c.r.Context(), site, c.p.Name, doc)
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.detail = "version " + itoa(rs.Version)
	c.ok(rs)
}

// rulesRetire retires the site's shadow set.
func (s *Server) rulesRetire(c *call) {
	site, ok := c.ruleSite()
	if !ok {
		return
	}
	if err := s.opts.Rules.RetireShadow(c.r.Context(), site, c.p.Name); err != nil {
		c.failErr(s, err)
		return
	}
	c.ok(map[string]bool{"ok": true})
}

// rulesPromote makes a version (default: the shadow one) live.
func (s *Server) rulesPromote(c *call) {
	s.republish(c, s.opts.Rules.Promote, false)
}

// rulesRollback republishes an older version as live.
func (s *Server) rulesRollback(c *call) {
	s.republish(c, s.opts.Rules.Rollback, true)
}

// republish runs a promote or a rollback of {"version": N}.
func (s *Server) republish(c *call, do func(ctx context.Context, site, author string, version int) (store.RuleSet, error), needVersion bool) {
	site, ok := c.ruleSite()
	if !ok {
		return
	}
	var in struct {
		Version int `json:"version"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Version < 0 || needVersion && in.Version == 0 {
		c.fail(http.StatusBadRequest, "version: want the number of a stored version")
		return
	}
	rs, err := do(c.r.Context(), site, c.p.Name, in.Version)
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.detail = "version " + itoa(rs.Version)
	c.ok(rs)
}

// rulesCompare is what live and shadow alerted over [from, to) (default:
// from the shadow's submission to now).
func (s *Server) rulesCompare(c *call) {
	site, ok := c.ruleSite()
	if !ok {
		return
	}
	from, to, ok := c.times()
	if !ok {
		return
	}
	if to.IsZero() {
		to = s.opts.Now()
	}
	if !from.IsZero() && !from.Before(to) {
		c.fail(http.StatusBadRequest, "from: want a time before to")
		return
	}
	cmp, err := s.opts.Rules.Compare(c.r.Context(), site, from, to)
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.ok(cmp)
}
