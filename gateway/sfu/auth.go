package sfu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"

	"github.com/argus-edge/argus/drivers/bearer"
)

// Authorizer decides who may publish a camera (an edge) and who may view it.
type Authorizer interface {
	// Edge returns who is publishing camera, or an *AuthError (401 or 403).
	Edge(r *http.Request, camera string) (who string, err error)
	// Viewer returns who is viewing camera, or an *AuthError (401 or 403).
	Viewer(r *http.Request, camera string) (who string, err error)
}

// AuthError is a refusal with its HTTP status: 401 (no or unknown credential) or 403 (not allowed).
type AuthError struct {
	Status int
	Reason string
}

// Error returns the reason with its status.
func (e *AuthError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Reason) }

// Roles a Grant can hold.
const (
	RoleEdge   = "edge"
	RoleViewer = "viewer"
	RoleAdmin  = "admin"
)

// Grant is what one bearer token allows.
type Grant struct {
	// Role is RoleEdge (publish), RoleViewer (view) or RoleAdmin (both).
	Role string
	// Sites the token covers; "*" covers every site.
	Sites []string
	// Edge is the edge's id for RoleEdge; it names the publisher in logs and audit.
	Edge string
	// Name names a viewer in logs and audit; empty means a hash of the token.
	Name string
}

// Tokens is an Authorizer over a fixed map of bearer tokens.
type Tokens struct {
	grants map[string]Grant
	site   func(camera string) (string, bool)
}

// NewTokens returns an Authorizer from bearer token → Grant; site maps a camera to its site (nil: every camera is in site "").
func NewTokens(grants map[string]Grant, site func(camera string) (string, bool)) *Tokens {
	return &Tokens{grants: grants, site: site}
}

// Edge allows RoleEdge and RoleAdmin tokens covering the camera's site.
func (t *Tokens) Edge(r *http.Request, camera string) (string, error) {
	return t.check(r, camera, RoleEdge)
}

// Viewer allows RoleViewer and RoleAdmin tokens covering the camera's site.
func (t *Tokens) Viewer(r *http.Request, camera string) (string, error) {
	return t.check(r, camera, RoleViewer)
}

func (t *Tokens) check(r *http.Request, camera, role string) (string, error) {
	token, ok := bearer.Token(r)
	if !ok {
		return "", &AuthError{Status: http.StatusUnauthorized, Reason: "missing bearer token"}
	}
	g, ok := t.lookup(token)
	if !ok {
		return "", &AuthError{Status: http.StatusUnauthorized, Reason: "unknown token"}
	}
	who := g.Name
	if g.Role == RoleEdge && g.Edge != "" {
		who = "edge:" + g.Edge
	}
	if who == "" {
		sum := sha256.Sum256([]byte(token))
		who = "token:" + hex.EncodeToString(sum[:4])
	}
	if g.Role != role && g.Role != RoleAdmin {
		return who, &AuthError{Status: http.StatusForbidden, Reason: fmt.Sprintf("role %q may not act as %s", g.Role, role)}
	}
	if slices.Contains(g.Sites, "*") {
		return who, nil
	}
	site, known := "", true
	if t.site != nil {
		site, known = t.site(camera)
	}
	if !known || !slices.Contains(g.Sites, site) {
		return who, &AuthError{Status: http.StatusForbidden, Reason: fmt.Sprintf("camera %s is not in the token's sites", camera)}
	}
	return who, nil
}

// lookup compares the token with every known one in constant time.
func (t *Tokens) lookup(token string) (Grant, bool) {
	var found Grant
	ok := false
	for k, g := range t.grants {
		if subtle.ConstantTimeCompare([]byte(k), []byte(token)) == 1 {
			found, ok = g, true
		}
	}
	return found, ok
}
