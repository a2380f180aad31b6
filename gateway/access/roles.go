package access

import (
	"slices"

	"github.com/argus-edge/argus/gateway/store"
)

// Permission is one thing a console role may do; the API checks one per call.
type Permission string

// Permissions of console roles (gateway/api/API.md).
const (
	PermView       Permission = "view"        // cameras, edges, anomalies, snapshots, streams, the wall
	PermHandle     Permission = "handle"      // acknowledge and resolve anomalies, add and dismiss wall tiles
	PermRulesRead  Permission = "rules.read"  // a site's rule sets, versions, compare
	PermRulesWrite Permission = "rules.write" // submit shadow, promote, roll back
	PermInventory  Permission = "inventory"   // register, change, import and delete cameras of the district inventory
	PermAdmin      Permission = "admin"       // users and the audit log
	PermFly        Permission = "fly"         // launch and abort drone patrols
	PermVerify     Permission = "verify"      // send a drone to look at an anomaly, and abort it
)

// roleTable is who may do what: the one place the API's permission table lives.
var roleTable = map[string][]Permission{
	store.RoleCommander: {PermView, PermHandle, PermRulesRead, PermVerify},
	store.RolePilot:     {PermView, PermFly, PermVerify},
	store.RoleOperator:  {PermView, PermRulesRead, PermRulesWrite, PermInventory},
	store.RoleAdmin:     {PermView, PermHandle, PermRulesRead, PermRulesWrite, PermInventory, PermAdmin, PermFly, PermVerify},
}

// Roles lists the console roles in a stable order, for messages.
var Roles = []string{store.RoleCommander, store.RolePilot, store.RoleOperator, store.RoleAdmin}

// ValidRole reports whether role is a console role.
func ValidRole(role string) bool { _, ok := roleTable[role]; return ok }

// Allowed reports whether role holds perm.
func Allowed(role string, perm Permission) bool { return slices.Contains(roleTable[role], perm) }

// AllSites is the site wildcard: a user scoped to it covers every site.
const AllSites = "*"

// Sources of a console user.
const (
	SourceConfig = "config" // the gateway config file: read-only through the API
	SourceStore  = "store"  // created by an admin through the API
)

// Principal is the console user behind a request.
type Principal struct {
	Name   string   `json:"name"`
	Role   string   `json:"role"`
	Sites  []string `json:"sites"`
	Source string   `json:"-"`
}

// Can reports whether the principal's role holds perm.
func (p Principal) Can(perm Permission) bool { return Allowed(p.Role, perm) }

// AllSites reports whether the principal covers every site.
func (p Principal) AllSites() bool { return slices.Contains(p.Sites, AllSites) }

// Covers reports whether site is in the principal's scope.
func (p Principal) Covers(site string) bool {
	return p.AllSites() || (site != "" && slices.Contains(p.Sites, site))
}

// Scope is the site filter for the principal's listings: nil means every site.
func (p Principal) Scope() []string {
	if p.AllSites() {
		return nil
	}
	return slices.Clone(p.Sites)
}

// Permissions lists what the principal's role may do, for the console.
func (p Principal) Permissions() []string {
	out := []string{}
	for _, perm := range roleTable[p.Role] {
		out = append(out, string(perm))
	}
	return out
}
