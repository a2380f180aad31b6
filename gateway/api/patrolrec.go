package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/argus-edge/argus/gateway/edgehttp"
)

// patrolTrack is a patrol's telemetry track and video files, from the
// edge that flew the drone (scoped by the drone's site); the files' URLs
// are the gateway's.
func (s *Server) patrolTrack(c *call) {
	v, ok := s.findDrone(c)
	if !ok {
		return
	}
	id := c.r.PathValue("id")
	c.object = id
	resp, ok := s.fetch(c, v.Edge, "/api/patrols/"+url.PathEscape(id)+"/track?"+url.Values{"drone": {v.ID}}.Encode())
	if !ok {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.fail(resp.StatusCode, "edge "+v.Edge+": "+edgehttp.Message(resp))
		return
	}
	var tr struct {
		Patrol     string          `json:"patrol"`
		Flying     bool            `json:"flying"`
		Points     json.RawMessage `json:"points"`
		Recordings []segmentItem   `json:"recordings"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&tr); err != nil {
		c.fail(http.StatusBadGateway, "edge "+v.Edge+": the patrol's track is not the JSON expected: "+err.Error())
		return
	}
	for i := range tr.Recordings {
		tr.Recordings[i].URL = "/api/drones/" + url.PathEscape(v.ID) + "/patrols/" + url.PathEscape(id) + "/recording?part=" + strconv.Itoa(i)
	}
	c.ok(tr)
}

// patrolRecording is one of a patrol's video files, ranges passed through.
func (s *Server) patrolRecording(c *call) {
	v, ok := s.findDrone(c)
	if !ok {
		return
	}
	id := c.r.PathValue("id")
	c.object = id
	q := url.Values{"drone": {v.ID}}
	if p := c.r.URL.Query().Get("part"); p != "" {
		q.Set("part", p)
	}
	s.pass(c, v.Edge, v.ID, "/api/patrols/"+url.PathEscape(id)+"/recording?"+q.Encode())
}
