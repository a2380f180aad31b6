package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/replays"
)

// Replays runs rule replays on the edges' recordings (*replays.Service).
type Replays interface {
	Start(ctx context.Context, req replays.Request) (replays.View, error)
	Get(ctx context.Context, id string) (replays.View, error)
	Cancel(ctx context.Context, id string) (replays.View, error)
	List(covers func(site string) bool) []replays.View
}

// replayRequest is the body of POST /api/sites/{site}/replays.
type replayRequest struct {
	// Version is a stored version of the site's rule set; 0 with no
	// Document: the shadow version.
	Version int `json:"version"`
	// Document is a draft not stored (YAML or JSON), validated first.
	Document string    `json:"document"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// Cameras to replay; none: every camera of the site.
	Cameras []string `json:"cameras"`
}

// maxReplayCameras bounds one replay: a trial over a site's few cameras.
const maxReplayCameras = 64

// replayStart starts a replay of a candidate version over the site's
// cameras' recordings.
func (s *Server) replayStart(c *call) {
	site, ok := c.ruleSite()
	if !ok {
		return
	}
	if s.opts.Replays == nil {
		c.fail(http.StatusServiceUnavailable, "rule replay is not available on this gateway")
		return
	}
	var req replayRequest
	if !c.decode(&req) {
		return
	}
	if msg := replayRange(req.From, req.To, s.opts.Now()); msg != "" {
		c.fail(http.StatusBadRequest, msg)
		return
	}
	version, doc, ok := s.candidate(c, site, req)
	if !ok {
		return
	}
	cams, msg := s.replayCameras(site, req.Cameras)
	if msg != "" {
		c.fail(http.StatusBadRequest, msg)
		return
	}
	v, err := s.opts.Replays.Start(c.r.Context(), replays.Request{Site: site, By: c.p.Name, Version: version, Document: doc,
		From: req.From, To: req.To, Cameras: cams})
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.object = v.ID
	c.detail = fmt.Sprintf("version %d, %d cameras, %s to %s", version, len(cams), req.From.UTC().Format(time.RFC3339), req.To.UTC().Format(time.RFC3339))
	c.reply(http.StatusAccepted, v)
}

// replayRange says what is wrong with a replay's range, if anything.
func replayRange(from, to, now time.Time) string {
	switch {
	case from.IsZero() || to.IsZero():
		return "from and to are required (RFC 3339)"
	case !to.After(from):
		return "to must be after from"
	case to.Sub(from) > bus.MaxReplaySpan:
		return fmt.Sprintf("the range is %s: at most %s per replay", to.Sub(from), bus.MaxReplaySpan)
	case from.After(now):
		return "from is in the future: nothing is recorded yet"
	}
	return ""
}

// candidate is the version to replay and its document: a draft from the
// body (validated), a stored version, or the shadow one.
func (s *Server) candidate(c *call, site string, req replayRequest) (int, []byte, bool) {
	if req.Document != "" {
		v, _, err := s.opts.Rules.Check(site, []byte(req.Document))
		if err != nil {
			c.failErr(s, err)
			return 0, nil, false
		}
		return v, []byte(req.Document), true
	}
	view, err := s.opts.Rules.Get(c.r.Context(), site)
	if err != nil {
		c.failErr(s, err)
		return 0, nil, false
	}
	if req.Version == 0 {
		if view.Shadow == nil {
			c.fail(http.StatusBadRequest, "site "+site+" has no shadow version: give a version or a document")
			return 0, nil, false
		}
		return view.Shadow.Version, []byte(view.Shadow.Document), true
	}
	for _, rs := range view.Versions {
		if rs.Version == req.Version {
			return rs.Version, []byte(rs.Document), true
		}
	}
	c.fail(http.StatusNotFound, fmt.Sprintf("site %s has no version %d", site, req.Version))
	return 0, nil, false
}

// replayCameras maps the cameras to replay to their edges: those asked
// (each of the site, owned by an edge), or every camera of the site.
func (s *Server) replayCameras(site string, ids []string) (map[string]string, string) {
	out := map[string]string{}
	if len(ids) == 0 {
		for cursor := ""; ; {
			items, _, next := s.opts.Cameras.Cameras(CameraQuery{Site: site, Cursor: cursor, Limit: 500})
			for _, cs := range items {
				if cs.Edge != "" {
					out[cs.Camera] = cs.Edge
				}
			}
			if cursor = next; next == "" {
				break
			}
		}
		if len(out) == 0 {
			return nil, "site " + site + " has no camera on an edge to replay"
		}
	}
	for _, id := range ids {
		cs, ok := s.opts.Cameras.Camera(id)
		switch {
		case !ok || cs.Site != site:
			return nil, fmt.Sprintf("camera %q is not a camera of site %s", id, site)
		case cs.Edge == "":
			return nil, fmt.Sprintf("camera %s has no edge: its recordings cannot be replayed", id)
		}
		out[id] = cs.Edge
	}
	if len(out) > maxReplayCameras {
		return nil, fmt.Sprintf("%d cameras: at most %d per replay, choose some", len(out), maxReplayCameras)
	}
	return out, ""
}

// replayGet is a replay's progress and comparison.
func (s *Server) replayGet(c *call) {
	v, ok := s.replayOf(c)
	if ok {
		c.ok(v)
	}
}

// replayCancel stops a replay on every edge still running it.
func (s *Server) replayCancel(c *call) {
	if _, ok := s.replayOf(c); !ok {
		return
	}
	v, err := s.opts.Replays.Cancel(c.r.Context(), c.r.PathValue("id"))
	if err != nil {
		s.replayErr(c, err)
		return
	}
	c.ok(v)
}

// replayList lists a site's kept replays, newest first.
func (s *Server) replayList(c *call) {
	site, ok := c.ruleSite()
	if !ok {
		return
	}
	if s.opts.Replays == nil {
		c.ok(map[string]any{"items": []replays.View{}})
		return
	}
	items := s.opts.Replays.List(func(x string) bool { return x == site })
	if items == nil {
		items = []replays.View{}
	}
	c.ok(map[string]any{"items": items})
}

// replayOf reads the replay of the path, in the caller's sites.
func (s *Server) replayOf(c *call) (replays.View, bool) {
	id := c.r.PathValue("id")
	c.object = id
	if s.opts.Replays == nil {
		c.fail(http.StatusNotFound, "not found")
		return replays.View{}, false
	}
	v, err := s.opts.Replays.Get(c.r.Context(), id)
	if err != nil {
		s.replayErr(c, err)
		return replays.View{}, false
	}
	if !c.inScope(v.Site) {
		return replays.View{}, false
	}
	return v, true
}

func (s *Server) replayErr(c *call, err error) {
	if errors.Is(err, replays.ErrNotFound) {
		c.fail(http.StatusNotFound, err.Error())
		return
	}
	c.failErr(s, err)
}

// replayRoutes are the replay calls, for the routes table.
func (s *Server) replayRoutes() []route {
	return []route{
		{"POST /api/sites/{site}/replays", "replay.start", access.PermRulesWrite, s.replayStart},
		{"GET /api/sites/{site}/replays", "replay.list", access.PermRulesRead, s.replayList},
		{"GET /api/replays/{id}", "replay.get", access.PermRulesRead, s.replayGet},
		{"DELETE /api/replays/{id}", "replay.cancel", access.PermRulesWrite, s.replayCancel},
	}
}
