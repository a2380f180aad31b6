package api

import (
	"encoding/json"
	"net/url"
	"strconv"
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
	var tr struct {
		Patrol     string          `json:"patrol"`
		Flying     bool            `json:"flying"`
		Points     json.RawMessage `json:"points"`
		Recordings []segmentItem   `json:"recordings"`
	}
	path := "/api/patrols/" + url.PathEscape(id) + "/track?" + url.Values{"drone": {v.ID}}.Encode()
	if !s.fetchJSON(c, v.Edge, path, "patrol's track", &tr) {
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
