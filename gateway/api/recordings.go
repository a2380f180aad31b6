package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/edgehttp"
)

// Recordings and clips stay on the edge that recorded them; these calls
// authorize the caller (the camera's site, like a stream view), then pass
// the request on to that edge's HTTP API with the edges' token and stream
// its answer back: ranges (206), X-Argus-Start and the download name
// included, nothing held in memory.

// passed are the edge's answer headers the caller gets.
var passed = []string{"Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "Last-Modified", "ETag",
	"X-Argus-Start", "Content-Disposition"}

// clip is an anomaly's clip, from the edge that recorded it (download=1:
// as an attachment). Another site's anomaly answers 404, as GET
// /api/anomalies/{id} does.
func (s *Server) clip(c *call) {
	a, ok := s.find(c)
	if !ok {
		return
	}
	if a.Edge == "" {
		c.fail(http.StatusNotFound, "anomaly "+a.ID+" names no edge: no clip")
		return
	}
	if c.r.URL.Query().Get("download") == "1" {
		c.w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", a.Camera+"-"+a.ID+".mp4"))
	}
	s.pass(c, a.Edge, a.Camera, "/api/clips/"+url.PathEscape(a.ID))
}

// cameraInScope finds the camera of the path and checks its site (403 for
// another site's, audited); it returns its status.
func (s *Server) cameraInScope(c *call) (bus.CameraStatus, bool) {
	id := c.r.PathValue("camera")
	c.object = id
	st, ok := s.opts.Cameras.Camera(id)
	if !ok {
		c.fail(http.StatusNotFound, "no camera "+strconv.Quote(id))
		return st, false
	}
	return st, c.inScope(st.Site)
}

// segmentItem is one segment as the gateway lists it: its URL is the
// gateway's, naming the edge that holds it.
type segmentItem struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Bytes int64     `json:"bytes"`
	URL   string    `json:"url"`
}

// recordings lists a camera's recorded segments overlapping [from, to),
// as the edge that pulls it holds them.
func (s *Server) recordings(c *call) {
	st, ok := s.cameraInScope(c)
	if !ok {
		return
	}
	from, to, ok := c.times()
	if !ok {
		return
	}
	q := url.Values{"camera": {st.Camera}}
	if !from.IsZero() {
		q.Set("from", from.Format(time.RFC3339Nano))
	}
	if !to.IsZero() {
		q.Set("to", to.Format(time.RFC3339Nano))
	}
	var list struct {
		Segments []segmentItem `json:"segments"`
	}
	if !s.fetchJSON(c, st.Edge, "/api/recordings?"+q.Encode(), "recordings list", &list) {
		return
	}
	out := make([]segmentItem, 0, len(list.Segments))
	for _, seg := range list.Segments {
		file, err := url.PathUnescape(pathBase(seg.URL))
		if err != nil {
			file = pathBase(seg.URL)
		}
		seg.URL = "/api/cameras/" + url.PathEscape(st.Camera) + "/recordings/" + url.PathEscape(file) +
			"?edge=" + url.QueryEscape(st.Edge)
		out = append(out, seg)
	}
	c.detail = fmt.Sprintf("edge %s: %d segments", st.Edge, len(out))
	c.ok(map[string]any{"camera": st.Camera, "edge": st.Edge, "segments": out})
}

// recording is one segment. edge= names the edge holding it (the list
// says); without it, the edge pulling the camera now.
func (s *Server) recording(c *call) {
	st, ok := s.cameraInScope(c)
	if !ok {
		return
	}
	edge := st.Edge
	if e := c.r.URL.Query().Get("edge"); e != "" {
		if err := bus.ValidID(e); err != nil {
			c.fail(http.StatusBadRequest, "edge: "+err.Error())
			return
		}
		edge = e
	}
	s.pass(c, edge, st.Camera, "/api/recordings/"+url.PathEscape(st.Camera)+"/"+url.PathEscape(c.r.PathValue("file")))
}

// export is [from, to) of a camera's recording as one MP4 to download.
func (s *Server) export(c *call) {
	st, ok := s.cameraInScope(c)
	if !ok {
		return
	}
	from, to, ok := c.times()
	if !ok {
		return
	}
	if from.IsZero() || to.IsZero() || !to.After(from) {
		c.fail(http.StatusBadRequest, "from and to are required, to after from (RFC 3339)")
		return
	}
	q := url.Values{"from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}}
	s.pass(c, st.Edge, st.Camera, "/api/recordings/"+url.PathEscape(st.Camera)+"/export?"+q.Encode())
}

// fetch asks edge for path with the caller's range headers; an edge that
// cannot be reached is answered (502/504, naming it) and false returned.
func (s *Server) fetch(c *call, edge, path string) (*http.Response, bool) {
	if s.opts.EdgeFiles == nil {
		c.fail(http.StatusServiceUnavailable, "this gateway does not reach the edges' recordings")
		return nil, false
	}
	resp, err := s.opts.EdgeFiles.Get(c.r.Context(), edge, path, c.r.Header)
	var ee *edgehttp.Error
	switch {
	case errors.As(err, &ee):
		c.fail(ee.Status, ee.Error())
		return nil, false
	case err != nil: // the caller left
		c.fail(http.StatusBadGateway, "edge "+edge+": "+err.Error())
		return nil, false
	}
	return resp, true
}

// fetchJSON asks edge for path and decodes its 200 answer into v (what
// names it in errors); anything else is answered to the caller (the
// edge's refusal with its status and reason, 502 for an answer that is
// not the JSON expected) and false returned.
func (s *Server) fetchJSON(c *call, edge, path, what string, v any) bool {
	resp, ok := s.fetch(c, edge, path)
	if !ok {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.fail(resp.StatusCode, "edge "+edge+": "+edgehttp.Message(resp))
		return false
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v); err != nil {
		c.fail(http.StatusBadGateway, "edge "+edge+": the "+what+" is not the JSON expected: "+err.Error())
		return false
	}
	return true
}

// pass streams the edge's answer for path to the caller: status, the
// headers of passed, the body as it comes. An edge's refusal (404 while
// a clip is being written, 416, 400) is answered as JSON with its reason.
func (s *Server) pass(c *call, edge, camera, path string) {
	resp, ok := s.fetch(c, edge, path)
	if !ok {
		return
	}
	defer resp.Body.Close()
	rng := c.r.Header.Get("Range")
	c.detail = fmt.Sprintf("camera %s, edge %s", camera, edge)
	if rng != "" {
		c.detail += ", " + rng
	}
	if resp.StatusCode >= 400 {
		if cr := resp.Header.Get("Content-Range"); cr != "" {
			c.w.Header().Set("Content-Range", cr)
		}
		c.fail(resp.StatusCode, "edge "+edge+": "+edgehttp.Message(resp))
		return
	}
	h := c.w.Header()
	for _, k := range passed {
		if v := resp.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	h.Set("Cache-Control", "private, no-cache")
	c.w.WriteHeader(resp.StatusCode)
	n, err := io.Copy(c.w, resp.Body)
	ev := s.log.Info()
	if err != nil {
		ev = s.log.Warn().Err(err)
	}
	ev.Str("who", who(c.p)).Str("camera", camera).Str("edge", edge).Str("path", c.r.URL.Path).Str("range", rng).
		Int("status", resp.StatusCode).Int64("bytes", n).Msg("recording served")
}

// pathBase is the last element of a URL path ("" for none).
func pathBase(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
