package sfu

import (
	"io"
	"net/http"
)

// A session's resource (WHIP/WHEP drafts): the Location a 201 names, which
// only the credential that created it may DELETE. Trickle ICE and ICE
// restarts (PATCH) are not supported: offers are complete.

// resourceAllow is the Allow header of a session's resource.
const resourceAllow = "DELETE"

// created answers 201 with the SDP answer, the resource's Location and the
// ICE servers (the request was authenticated: TURN credentials included).
func (s *Server) created(w http.ResponseWriter, ss *session, answer string) {
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/"+ss.kind+"/"+ss.camera.id+"/"+ss.id)
	s.links(w, true)
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, answer)
}

// resource authorizes a request on /{kind}/{camera}/{id} like the session
// it names, and returns the session and who asked; only its creator may
// act on it. On failure it has answered 401, 403 or 404.
func (s *Server) resource(w http.ResponseWriter, r *http.Request, kind string) (*session, string, bool) {
	cam, id := r.PathValue("camera"), r.PathValue("id")
	who, ok := s.authorize(w, r, kind, cam)
	if !ok {
		return nil, "", false
	}
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil || ss.kind != kind || ss.camera.id != cam {
		httpError(w, http.StatusNotFound, "no such session")
		return nil, "", false
	}
	if ss.owner != who {
		s.audit(r, who, kind+deniedActions[r.Method]+DeniedSuffix, cam)
		httpError(w, http.StatusForbidden, "only the credential that created this session may act on it")
		return nil, "", false
	}
	return ss, who, true
}

// handleDelete ends a WHIP or WHEP resource.
func (s *Server) handleDelete(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss, who, ok := s.resource(w, r, kind)
		if !ok {
			return
		}
		s.end(ss, "deleted by "+who)
		s.audit(r, who, kind+".delete", ss.camera.id)
		w.WriteHeader(http.StatusOK)
	}
}

// handlePatch refuses trickle ICE and ICE restarts on a resource its
// caller may act on: 405 with the methods the resource allows.
func (s *Server) handlePatch(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := s.resource(w, r, kind); !ok {
			return
		}
		w.Header().Set("Allow", resourceAllow)
		httpError(w, http.StatusMethodNotAllowed, "trickle ICE and ICE restarts are not supported: send a complete offer in a new POST")
	}
}
