package access

import (
	"slices"
	"strings"
	"testing"

	"github.com/argus-edge/argus/gateway/store"
)

// The permission table as gateway/api/API.md states it, role by role.
func TestAllowed(t *testing.T) {
	for _, c := range []struct {
		role string
		may  []Permission
	}{
		{store.RoleCommander, []Permission{PermView, PermHandle, PermRulesRead, PermVerify}},
		{store.RolePilot, []Permission{PermView, PermFly, PermVerify}},
		{store.RoleOperator, []Permission{PermView, PermRulesRead, PermRulesWrite, PermInventory}},
		{store.RoleAdmin, []Permission{PermView, PermHandle, PermRulesRead, PermRulesWrite, PermInventory, PermAdmin, PermFly, PermVerify}},
		{"guest", nil},
	} {
		for _, perm := range []Permission{PermView, PermHandle, PermRulesRead, PermRulesWrite, PermInventory, PermAdmin, PermFly, PermVerify} {
			if got, want := Allowed(c.role, perm), slices.Contains(c.may, perm); got != want {
				t.Errorf("Allowed(%s, %s) = %v, want %v", c.role, perm, got, want)
			}
		}
		if ValidRole(c.role) != (c.may != nil) {
			t.Errorf("ValidRole(%s) = %v", c.role, ValidRole(c.role))
		}
	}
}

// A principal's sites: "*" covers every site and lists none; a scoped one
// covers its own only, and never the empty site of an unplaced camera.
func TestPrincipalScope(t *testing.T) {
	all := Principal{Name: "chief", Role: store.RoleCommander, Sites: []string{AllSites}}
	river := Principal{Name: "river-op", Role: store.RoleOperator, Sites: []string{"riverside"}}
	for _, c := range []struct {
		p     Principal
		site  string
		cover bool
	}{
		{all, "hillside", true}, {all, "", true},
		{river, "riverside", true}, {river, "hillside", false}, {river, "", false},
	} {
		if got := c.p.Covers(c.site); got != c.cover {
			t.Errorf("%s covers %q = %v, want %v", c.p.Name, c.site, got, c.cover)
		}
	}
	if all.Scope() != nil || !slices.Equal(river.Scope(), []string{"riverside"}) {
		t.Fatalf("scopes %v and %v, want nil and [riverside]", all.Scope(), river.Scope())
	}
	if got := strings.Join(river.Permissions(), ","); got != "view,rules.read,rules.write,inventory" {
		t.Fatalf("operator permissions %s", got)
	}
}

// CheckUser refuses each bad field with a message naming it.
func TestCheckUser(t *testing.T) {
	good := store.User{Name: "hill-op", Role: store.RoleOperator, Sites: []string{"hillside"}}
	if err := CheckUser(good); err != nil {
		t.Fatalf("good user: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(*store.User)
		want string
	}{
		{"bad name", func(u *store.User) { u.Name = "Hill Op" }, `name "Hill Op"`},
		{"unknown role", func(u *store.User) { u.Role = "guest" }, `role "guest" is not one of commander, pilot, operator, admin`},
		{"no sites", func(u *store.User) { u.Sites = nil }, "sites: list site ids"},
		{"bad site", func(u *store.User) { u.Sites = []string{"Hill Side"} }, `site "Hill Side" is not a site id`},
		{"star and more", func(u *store.User) { u.Sites = []string{AllSites, "hillside"} }, "list it alone"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := good
			c.edit(&u)
			if err := CheckUser(u); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
