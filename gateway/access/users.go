package access

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// MinPasswordLen is the shortest password accepted for a new user.
const MinPasswordLen = 10

// CheckUser validates a user an admin creates or changes through the API.
func CheckUser(u store.User) error {
	if err := bus.ValidID(u.Name); err != nil {
		return fmt.Errorf("name %q: want 1 to 64 of a-z 0-9 _ -", u.Name)
	}
	if !ValidRole(u.Role) {
		return fmt.Errorf("role %q is not one of %s", u.Role, strings.Join(Roles, ", "))
	}
	if len(u.Sites) == 0 {
		return errors.New(`sites: list site ids or "*"`)
	}
	for _, s := range u.Sites {
		if s != AllSites && bus.ValidID(s) != nil {
			return fmt.Errorf("site %q is not a site id (a-z 0-9 _ -) or \"*\"", s)
		}
	}
	if slices.Contains(u.Sites, AllSites) && len(u.Sites) > 1 {
		return errors.New(`sites: "*" already covers every site; list it alone`)
	}
	return nil
}

// HashPassword returns the bcrypt hash of a new password, refusing one too short.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLen {
		return "", fmt.Errorf("password: want at least %d characters", MinPasswordLen)
	}
	if len(password) > 72 {
		return "", errors.New("password: bcrypt reads at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}
