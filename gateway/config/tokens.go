package config

import (
	"slices"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bearer"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/sfu"
)

// MinTokenLen is the shortest token accepted, in bytes.
const MinTokenLen = 16

// Entry is one credential: who it is, what it may do, and the environment
// variable holding its token.
type Entry struct {
	Name     string   `yaml:"name"`      // names the holder in logs and audit
	Role     string   `yaml:"role"`      // edge, viewer or admin
	Sites    []string `yaml:"sites"`     // site ids, or "*" for every site
	Edge     string   `yaml:"edge"`      // the edge's id; role edge only
	TokenEnv string   `yaml:"token_env"` // the variable holding the token
}

// Load reads the tokens file at path and the variables it names; it
// returns bearer token → sfu.Grant. Problems name the file, line and field.
// It reads the whole gateway config (LoadConfig) and keeps its tokens.
func Load(path string) (map[string]sfu.Grant, error) {
	c, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return c.Grants, nil
}

// Parse decodes a tokens file and resolves its variables with lookup; file
// only names the source in problems.
func Parse(file string, data []byte, lookup func(string) (string, bool)) (map[string]sfu.Grant, error) {
	c, err := ParseConfig(file, data, lookup)
	if err != nil {
		return nil, err
	}
	return c.Grants, nil
}

// parseTokens checks the token entries and resolves their variables.
func parseTokens(ps *strict.Problems, entries []Entry, lookup func(string) (string, bool)) map[string]sfu.Grant {
	grants := map[string]sfu.Grant{}
	owner := map[string]string{} // token → entry name, to refuse a token shared by two entries
	names := map[string]bool{}
	for i, e := range entries {
		at := strict.Index("tokens", i)
		checkName(ps, strict.Child(at, "name"), e.Name, names)
		if !slices.Contains([]string{sfu.RoleEdge, sfu.RoleViewer, sfu.RoleAdmin}, e.Role) {
			ps.Addf(strict.Child(at, "role"), "%q is not one of edge, viewer, admin", e.Role)
		}
		checkSites(ps, strict.Child(at, "sites"), e.Sites)
		switch {
		case e.Role == sfu.RoleEdge && e.Edge == "":
			ps.Add(strict.Child(at, "edge"), "missing: an edge token names its edge")
		case e.Role != sfu.RoleEdge && e.Edge != "":
			ps.Addf(strict.Child(at, "edge"), "only role edge names an edge (role is %q)", e.Role)
		case e.Edge != "":
			if err := bus.ValidID(e.Edge); err != nil {
				ps.Add(strict.Child(at, "edge"), err.Error())
			}
		}
		token, ok := resolve(ps, strict.Child(at, "token_env"), e.TokenEnv, "token", 0, lookup)
		if !ok {
			continue
		}
		if other, dup := owner[token]; dup {
			ps.Addf(strict.Child(at, "token_env"), "same token as entry %q: each holder needs its own", other)
			continue
		}
		owner[token] = e.Name
		grants[token] = sfu.Grant{Role: e.Role, Sites: e.Sites, Edge: e.Edge, Name: e.Name}
	}
	return grants
}

// checkName refuses a missing, repeated or malformed holder name.
func checkName(ps *strict.Problems, field, name string, seen map[string]bool) {
	switch {
	case name == "":
		ps.Add(field, "missing")
	case seen[name]:
		ps.Addf(field, "%q is used by another entry", name)
	case bus.ValidID(name) != nil:
		ps.Addf(field, "%q: want 1 to 64 of a-z 0-9 _ -", name)
	}
	seen[name] = true
}

// checkSites refuses an empty list and anything but site ids and "*".
func checkSites(ps *strict.Problems, field string, sites []string) {
	if len(sites) == 0 {
		ps.Add(field, `missing: list site ids or "*"`)
	}
	for j, s := range sites {
		if s != access.AllSites && bus.ValidID(s) != nil {
			ps.Addf(strict.Index(field, j), "%q is not a site id (a-z 0-9 _ -) or \"*\"", s)
		}
	}
}

// resolve reads a secret (what: "token", "password") from the variable
// name, at least MinTokenLen bytes and, when maxLen > 0, at most maxLen
// (bcrypt reads no more than 72); problems name the variable, never its value.
func resolve(ps *strict.Problems, field, name, what string, maxLen int, lookup func(string) (string, bool)) (string, bool) {
	if name == "" {
		ps.Add(field, "missing: name the environment variable holding the "+what)
		return "", false
	}
	v, ok := lookup(name)
	switch {
	case !ok:
		ps.Addf(field, "environment variable %s is not set", name)
	case len(v) < MinTokenLen:
		ps.Addf(field, "environment variable %s holds %d bytes, want at least %d", name, len(v), MinTokenLen)
	case what == "token" && !bearerSafe(v):
		ps.Addf(field, "environment variable %s holds characters a bearer token cannot carry: want A-Z a-z 0-9 - . _ ~ + / (then = at the end)", name)
	case maxLen > 0 && len(v) > maxLen:
		ps.Addf(field, "environment variable %s holds %d bytes, want at most %d (bcrypt reads no more)", name, len(v), maxLen)
	default:
		return v, true
	}
	return "", false
}

// bearerSafe reports a token that an "Authorization: Bearer" header can carry (RFC 6750's token68).
func bearerSafe(token string) bool {
	got, err := bearer.Parse(bearer.Header(token))
	return err == nil && got == token
}
