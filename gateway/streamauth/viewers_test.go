package streamauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/sfu"
	"github.com/argus-edge/argus/gateway/store"
)

// home is the address the tests' users log in from.
const home = "192.0.2.10"

// newAuth is an Auth over two config users: chief (commander, every site)
// and river-op (operator, riverside). Real: the SQLite store in a temp file, bcrypt.
func newAuth(t *testing.T) *login.Auth {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return login.NewAuth(login.AuthOptions{Store: st, TTL: time.Hour, Users: []store.User{
		{Name: "chief", Role: store.RoleCommander, Sites: []string{"*"}, PasswordHash: hashed(t, "chief password")},
		{Name: "river-op", Role: store.RoleOperator, Sites: []string{"riverside"}, PasswordHash: hashed(t, "river password")},
	}})
}

// hashed is the bcrypt hash login.HashPassword makes of password.
func hashed(t testing.TB, password string) string {
	t.Helper()
	h, err := login.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Console users view by session (view permission and site); other bearers
// go to the token table; publishing is never a session's.
func TestSessionsAuthorizer(t *testing.T) {
	a := newAuth(t)
	ctx := context.Background()
	_, river, _ := a.Login(ctx, home, "river-op", "river password")
	_, chief, _ := a.Login(ctx, home, "chief", "chief password")
	site := func(cam string) (string, bool) {
		s, ok := map[string]string{"river-cam": "riverside", "hill-cam": "hillside"}[cam]
		return s, ok
	}
	grants := map[string]sfu.Grant{"edge-token-0123456789": {Role: sfu.RoleEdge, Sites: []string{"*"}, Edge: "e1"},
		"viewer-token-0123456789": {Role: sfu.RoleViewer, Sites: []string{"*"}, Name: "wall-screen"}}
	az := Sessions(sfu.NewTokens(grants, site), a, site)
	try := func(check func(*http.Request, string) (string, error), token, cam string) (string, int) {
		r := httptest.NewRequest(http.MethodPost, "/whep/"+cam, nil)
		r.Header.Set("Authorization", "Bearer "+token)
		who, err := check(r, cam)
		var ae *sfu.AuthError
		if errors.As(err, &ae) {
			return who, ae.Status
		}
		return who, 201
	}
	for _, c := range []struct {
		name, token, cam, who string
		want                  int
		edge                  bool
	}{
		{"operator own site", river.Token, "river-cam", "river-op", 201, false},
		{"operator other site", river.Token, "hill-cam", "river-op", 403, false},
		{"operator unknown camera", river.Token, "nowhere", "river-op", 403, false},
		{"commander any site", chief.Token, "hill-cam", "chief", 201, false},
		{"token viewer", "viewer-token-0123456789", "hill-cam", "wall-screen", 201, false},
		{"unknown bearer", "nope-nope-nope-nope", "hill-cam", "", 401, false},
		{"session may not publish", chief.Token, "hill-cam", "", 401, true},
		{"edge publishes", "edge-token-0123456789", "hill-cam", "edge:e1", 201, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			check := az.Viewer
			if c.edge {
				check = az.Edge
			}
			who, status := try(check, c.token, c.cam)
			if status != c.want || who != c.who {
				t.Fatalf("got %d %q, want %d %q", status, who, c.want, c.who)
			}
		})
	}
}
