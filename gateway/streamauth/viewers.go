package streamauth

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/argus-edge/argus/drivers/bearer"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/sfu"
)

// Sessions wraps an Authorizer so that console users view streams (WHEP)
// with their session token as a bearer token, given the view permission on
// the camera's site (site maps a camera to it). A bearer that is not a
// session is left to inner (the config's tokens); publishing (WHIP) is
// always inner's: a console user never publishes.
func Sessions(inner sfu.Authorizer, a *login.Auth, site func(camera string) (string, bool)) sfu.Authorizer {
	return sessions{Authorizer: inner, auth: a, site: site}
}

type sessions struct {
	sfu.Authorizer
	auth *login.Auth
	site func(camera string) (string, bool)
}

// Viewer allows a console user whose role may view the camera's site.
func (s sessions) Viewer(r *http.Request, camera string) (string, error) {
	token, ok := bearer.Token(r)
	if !ok {
		return s.Authorizer.Viewer(r, camera)
	}
	p, _, err := s.auth.Resolve(r.Context(), token)
	if errors.Is(err, login.ErrNoSession) {
		return s.Authorizer.Viewer(r, camera)
	}
	if err != nil {
		return "", &sfu.AuthError{Status: http.StatusServiceUnavailable, Reason: "sessions unavailable"}
	}
	site, known := s.site(camera)
	switch {
	case !p.Can(access.PermView):
		return p.Name, &sfu.AuthError{Status: http.StatusForbidden, Reason: fmt.Sprintf("role %s may not view streams", p.Role)}
	case !known && !p.AllSites():
		return p.Name, &sfu.AuthError{Status: http.StatusForbidden, Reason: fmt.Sprintf("camera %s is not in your sites", camera)}
	case known && !p.Covers(site):
		return p.Name, &sfu.AuthError{Status: http.StatusForbidden, Reason: fmt.Sprintf("camera %s is not in your sites", camera)}
	}
	return p.Name, nil
}
