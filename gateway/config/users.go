package config

import (
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/store"
)

// parseUsers checks the config's console users: the same rules as users
// created through the API, plus a well-formed bcrypt hash.
func parseUsers(ps *strict.Problems, entries []UserEntry) []store.User {
	names := map[string]bool{}
	var users []store.User
	for i, e := range entries {
		at := strict.Index("users", i)
		checkName(ps, strict.Child(at, "name"), e.Name, names)
		if !access.ValidRole(e.Role) {
			ps.Addf(strict.Child(at, "role"), "%q is not one of %s", e.Role, strings.Join(access.Roles, ", "))
		}
		checkSites(ps, strict.Child(at, "sites"), e.Sites)
		if err := checkHash(e.PasswordHash); err != nil {
			ps.Add(strict.Child(at, "password_hash"), err.Error())
		}
		users = append(users, store.User{Name: e.Name, Role: e.Role, Sites: e.Sites, PasswordHash: e.PasswordHash})
	}
	return users
}

// checkHash refuses anything but a bcrypt hash; the message never quotes it.
func checkHash(h string) error {
	if h == "" {
		return errors.New("missing: a bcrypt hash (make one with: gateway hash-password)")
	}
	if _, err := bcrypt.Cost([]byte(h)); err != nil {
		return errors.New("not a bcrypt hash (make one with: gateway hash-password)")
	}
	return nil
}
