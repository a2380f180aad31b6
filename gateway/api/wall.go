package api

import (
	"net/http"
	"strconv"

	"github.com/argus-edge/argus/gateway/store"
)

// wallOf keeps the entries of the caller's sites.
func wallOf(entries []store.WallEntry, covers func(site string) bool) []store.WallEntry {
	out := []store.WallEntry{}
	for _, e := range entries {
		if covers(e.Site) {
			out = append(out, e)
		}
	}
	return out
}

// wall lists the wall's cameras of the caller's sites.
func (s *Server) wall(c *call) {
	entries, err := s.opts.Wall.Wall(c.r.Context())
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.ok(map[string]any{"items": wallOf(entries, c.p.Covers)})
}

// wallAdd puts a camera of the caller's sites on the wall by hand.
func (s *Server) wallAdd(c *call) {
	var in struct {
		Camera string `json:"camera"`
	}
	if !c.decode(&in) {
		return
	}
	c.object = in.Camera
	if in.Camera == "" {
		c.fail(http.StatusBadRequest, "camera: missing")
		return
	}
	st, ok := s.opts.Cameras.Camera(in.Camera)
	if !ok {
		c.fail(http.StatusNotFound, "no camera "+strconv.Quote(in.Camera))
		return
	}
	if !c.inScope(st.Site) {
		return
	}
	if _, err := s.opts.Wall.AddToWall(c.r.Context(), st.Camera, st.Site, c.p.Name); err != nil {
		c.failErr(s, err)
		return
	}
	s.answerWall(c, http.StatusCreated)
}

// wallDismiss takes a camera of the caller's sites off the wall.
func (s *Server) wallDismiss(c *call) {
	cam := c.r.PathValue("camera")
	c.object = cam
	entries, err := s.opts.Wall.Wall(c.r.Context())
	if err != nil {
		c.failErr(s, err)
		return
	}
	var found *store.WallEntry
	for i := range entries {
		if entries[i].Camera == cam {
			found = &entries[i]
		}
	}
	if found == nil {
		c.fail(http.StatusNotFound, "camera "+strconv.Quote(cam)+" is not on the wall")
		return
	}
	if !c.inScope(found.Site) {
		return
	}
	if err := s.opts.Wall.Dismiss(c.r.Context(), cam, c.p.Name); err != nil {
		c.failErr(s, err)
		return
	}
	s.answerWall(c, http.StatusOK)
}

// answerWall answers the wall as it is now, scoped to the caller.
func (s *Server) answerWall(c *call, status int) {
	entries, err := s.opts.Wall.Wall(c.r.Context())
	if err != nil {
		c.failErr(s, err)
		return
	}
	c.reply(status, map[string]any{"items": wallOf(entries, c.p.Covers)})
}
