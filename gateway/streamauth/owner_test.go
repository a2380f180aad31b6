package streamauth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/argus-edge/argus/gateway/sfu"
)

// TestOwned: an edge token publishes only the cameras its edge owns; a
// camera no edge reported yet is left to the tokens, an admin is not held.
func TestOwned(t *testing.T) {
	grants := map[string]sfu.Grant{
		"tok-a": {Role: sfu.RoleEdge, Sites: []string{"*"}, Edge: "edge-a"},
		"tok-b": {Role: sfu.RoleEdge, Sites: []string{"*"}, Edge: "edge-b"},
		"tok-x": {Role: sfu.RoleAdmin, Sites: []string{"*"}, Name: "root"},
	}
	owner := func(cam string) (string, bool) { return "edge-a", cam == "cam1" }
	a := Owned(sfu.NewTokens(grants, nil), owner)
	try := func(tok, cam string) error {
		r := httptest.NewRequest(http.MethodPost, "/whip/"+cam, nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		_, err := a.Edge(r, cam)
		return err
	}
	if err := try("tok-a", "cam1"); err != nil {
		t.Fatalf("owner refused: %v", err)
	}
	if err := try("tok-b", "cam1"); err == nil || err.(*sfu.AuthError).Status != 403 {
		t.Fatalf("other edge: %v, want 403", err)
	}
	if err := try("tok-b", "cam-new"); err != nil {
		t.Fatalf("unknown camera refused: %v", err)
	}
	if err := try("tok-x", "cam1"); err != nil {
		t.Fatalf("admin refused: %v", err)
	}
}
