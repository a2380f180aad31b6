package config

import (
	"strings"
	"testing"

	"github.com/argus-edge/argus/gateway/sfu"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParse(t *testing.T) {
	const file = `tokens:
  - {name: edge-demo, role: edge, sites: ["*"], edge: edge-demo, token_env: EDGE_TOK}
  - {name: duty-officer, role: viewer, sites: [riverside, hillside], token_env: VIEW_TOK}
`
	g, err := Parse("t.yaml", []byte(file), env(map[string]string{"EDGE_TOK": "0123456789abcdef-edge", "VIEW_TOK": "0123456789abcdef-view"}))
	if err != nil {
		t.Fatal(err)
	}
	if e := g["0123456789abcdef-edge"]; e.Role != sfu.RoleEdge || e.Edge != "edge-demo" || e.Sites[0] != "*" {
		t.Fatalf("edge grant %+v", e)
	}
	if v := g["0123456789abcdef-view"]; v.Role != sfu.RoleViewer || v.Name != "duty-officer" || len(v.Sites) != 2 {
		t.Fatalf("viewer grant %+v", v)
	}
}

// Every problem at once, with file and line; a secret never appears in an error.
func TestParseProblems(t *testing.T) {
	const file = `tokens:
  - name: a
    role: editor
    sites: ["Bad Site"]
    token_env: SHORT
  - name: a
    role: viewer
    sites: ["*"]
    edge: edge-x
    token_env: UNSET
  - name: e
    role: edge
    sites: ["*"]
    token_env: LONG
  - name: f
    role: viewer
    sites: ["*"]
    token_env: LONG2
  - name: g
    role: viewer
    sites: ["*"]
    token: inline-secret-value
`
	_, err := Parse("t.yaml", []byte(file), env(map[string]string{"SHORT": "tiny-secret", "LONG": "long-enough-secret-1", "LONG2": "long-enough-secret-1"}))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		`t.yaml:3: tokens[0].role: "editor" is not one of edge, viewer, admin`,
		`t.yaml:4: tokens[0].sites[0]: "Bad Site"`,
		`t.yaml:5: tokens[0].token_env: environment variable SHORT holds 11 bytes, want at least 16`,
		`t.yaml:6: tokens[1].name: "a" is used by another entry`,
		`t.yaml:9: tokens[1].edge: only role edge names an edge`,
		`t.yaml:10: tokens[1].token_env: environment variable UNSET is not set`,
		`tokens[2].edge: missing`,
		`t.yaml:18: tokens[3].token_env: same token as entry "e"`,
		`t.yaml:22: tokens[4].token`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{"tiny-secret", "long-enough-secret-1"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error shows a secret %q:\n%s", secret, msg)
		}
	}
}
