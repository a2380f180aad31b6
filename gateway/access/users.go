package access

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

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
