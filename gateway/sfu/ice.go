package sfu

import (
	"net/http"

	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/configs/iceservers"
)

// ICE servers for clients. Offers are complete (non-trickle), so a client
// needs its STUN/TURN servers before it gathers candidates: the 201's Link
// headers (RFC 9725 §4.6) come too late for the session they answer. The
// endpoints therefore also answer OPTIONS with the same Link headers, as
// the WHIP/WHEP drafts had it, and the console's player asks there before
// it creates its RTCPeerConnection. TURN servers and their credentials go
// only to requests the endpoint authenticates; a request without a
// credential (a CORS preflight sends none) gets the STUN servers.

// endpointAllow is the Allow header of /whip/{camera} and /whep/{camera}.
const endpointAllow = "OPTIONS, POST"

// handleOptions answers OPTIONS on the WHIP or WHEP endpoint of a camera:
// 204 with the methods allowed and the ICE servers the caller may have.
func (s *Server) handleOptions(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		authed := r.Header.Get("Authorization") != ""
		if authed {
			if _, ok := s.authorize(w, r, kind, r.PathValue("camera")); !ok {
				return
			}
		}
		w.Header().Set("Allow", endpointAllow)
		s.links(w, authed)
		w.WriteHeader(http.StatusNoContent)
	}
}

// links adds the Link headers of the SFU's ICE servers to w; TURN ones only
// when withTURN (the request was authenticated).
func (s *Server) links(w http.ResponseWriter, withTURN bool) {
	for _, l := range iceLinks(s.opts.ICEServers, withTURN) {
		w.Header().Add("Link", l)
	}
}

// iceLinks formats servers as Link header values, one per URL:
// `<stun:host>; rel="ice-server"`, and for TURN `<turn:host>;
// rel="ice-server"; username="u"; credential="p"; credential-type="password"`.
// The config refuses quotes and control characters in user names and
// credentials, so they are quoted as they are.
func iceLinks(servers []webrtc.ICEServer, withTURN bool) []string {
	var links []string
	for _, srv := range servers {
		cred, _ := srv.Credential.(string)
		for _, u := range srv.URLs {
			turn := iceservers.IsTURN(u)
			if turn && !withTURN {
				continue
			}
			l := "<" + u + `>; rel="ice-server"`
			if turn && srv.Username != "" {
				l += `; username="` + srv.Username + `"; credential="` + cred + `"; credential-type="password"`
			}
			links = append(links, l)
		}
	}
	return links
}
