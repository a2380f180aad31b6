// Package access reads the gateway's bearer-token file: who may publish
// (edges, over WHIP) and who may view (over WHEP) which sites. The file
// names environment variables; the tokens themselves are never written in
// it, never logged and never part of an error. It imports gateway/sfu for
// its Grant type and nothing of edge/.
package access

import (
	"fmt"
	"os"
	"slices"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/sfu"
)

// MinTokenLen is the shortest token accepted, in bytes.
const MinTokenLen = 16

// File is the tokens file: one entry per credential.
type File struct {
	Tokens []Entry `yaml:"tokens"`
}

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
func Load(path string) (map[string]sfu.Grant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse decodes a tokens file and resolves its variables with lookup; file
// only names the source in problems.
func Parse(file string, data []byte, lookup func(string) (string, bool)) (map[string]sfu.Grant, error) {
	var f File
	ps := strict.Decode(file, data, &f, strict.Root("a mapping with tokens"), strict.Unit("tokens file"))
	if ps.Failed("") {
		return nil, ps.Err()
	}
	grants := map[string]sfu.Grant{}
	owner := map[string]string{} // token → entry name, to refuse a token shared by two entries
	names := map[string]bool{}
	if len(f.Tokens) == 0 {
		ps.Add("tokens", "no tokens: list at least one")
	}
	for i, e := range f.Tokens {
		at := strict.Index("tokens", i)
		switch {
		case e.Name == "":
			ps.Add(strict.Child(at, "name"), "missing")
		case names[e.Name]:
			ps.Addf(strict.Child(at, "name"), "%q is used by another entry", e.Name)
		case bus.ValidID(e.Name) != nil:
			ps.Addf(strict.Child(at, "name"), "%q: want 1 to 64 of a-z 0-9 _ -", e.Name)
		}
		names[e.Name] = true
		if !slices.Contains([]string{sfu.RoleEdge, sfu.RoleViewer, sfu.RoleAdmin}, e.Role) {
			ps.Addf(strict.Child(at, "role"), "%q is not one of edge, viewer, admin", e.Role)
		}
		if len(e.Sites) == 0 {
			ps.Add(strict.Child(at, "sites"), `missing: list site ids or "*"`)
		}
		for j, s := range e.Sites {
			if s != "*" && bus.ValidID(s) != nil {
				ps.Addf(strict.Index(strict.Child(at, "sites"), j), "%q is not a site id (a-z 0-9 _ -) or \"*\"", s)
			}
		}
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
		token, ok := resolve(ps, strict.Child(at, "token_env"), e.TokenEnv, lookup)
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
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return grants, nil
}

// resolve reads the token from the variable name; problems name the
// variable, never its value.
func resolve(ps *strict.Problems, field, name string, lookup func(string) (string, bool)) (string, bool) {
	if name == "" {
		ps.Add(field, "missing: name the environment variable holding the token")
		return "", false
	}
	v, ok := lookup(name)
	switch {
	case !ok:
		ps.Addf(field, "environment variable %s is not set", name)
	case len(v) < MinTokenLen:
		ps.Addf(field, "environment variable %s holds %d bytes, want at least %d", name, len(v), MinTokenLen)
	default:
		return v, true
	}
	return "", false
}
