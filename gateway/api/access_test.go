package api

import (
	"fmt"
	"strings"
	"testing"
)

// family is one kind of call, aimed at riverside (own) or hillside (other).
type family struct {
	name         string
	method, path string // %s: the site's camera, anomaly or site
	body         any
	arg          map[string]string // "own"/"other" → what replaces %s
}

var (
	cams      = map[string]string{"own": "river-gate", "other": "hill-top"}
	anomalies = map[string]string{"own": "a-river", "other": "a-hill"}
	sites     = map[string]string{"own": "riverside", "other": "hillside"}
)

var families = []family{
	{"camera", "GET", "/api/cameras/%s", nil, cams},
	{"cameras of site", "GET", "/api/cameras?site=%s", nil, sites},
	{"anomaly", "GET", "/api/anomalies/%s", nil, anomalies},
	{"snapshot", "GET", "/api/anomalies/%s/snapshot", nil, anomalies},
	{"ack", "POST", "/api/anomalies/%s/ack", map[string]string{"note": "seen"}, anomalies},
	{"wall add", "POST", "/api/wall", nil, cams},
	{"rules read", "GET", "/api/sites/%s/rules", nil, sites},
	{"rules write", "PUT", "/api/sites/%s/rules/shadow", version2{}, sites},
	{"promote", "POST", "/api/sites/%s/rules/promote", map[string]int{"version": 2}, sites},
}

// want: role → family → [own, other] status. Another site's anomaly is 404
// (ids do not tell), any other out-of-scope object 403.
var want = map[string]map[string][2]int{
	"river-cmd": {"camera": {200, 403}, "cameras of site": {200, 403}, "anomaly": {200, 404}, "snapshot": {200, 404}, "ack": {200, 404},
		"wall add": {201, 403}, "rules read": {200, 403}, "rules write": {403, 403}, "promote": {403, 403}},
	"river-pilot": {"camera": {200, 403}, "cameras of site": {200, 403}, "anomaly": {200, 404}, "snapshot": {200, 404}, "ack": {403, 403},
		"wall add": {403, 403}, "rules read": {403, 403}, "rules write": {403, 403}, "promote": {403, 403}},
	"river-op": {"camera": {200, 403}, "cameras of site": {200, 403}, "anomaly": {200, 404}, "snapshot": {200, 404}, "ack": {403, 403},
		"wall add": {403, 403}, "rules read": {200, 403}, "rules write": {200, 403}, "promote": {200, 403}},
	"river-admin": {"camera": {200, 403}, "cameras of site": {200, 403}, "anomaly": {200, 404}, "snapshot": {200, 404}, "ack": {200, 404},
		"wall add": {201, 403}, "rules read": {200, 403}, "rules write": {200, 403}, "promote": {200, 403}},
	"chief": {"camera": {200, 200}, "cameras of site": {200, 200}, "anomaly": {200, 200}, "snapshot": {200, 200}, "ack": {200, 200},
		"wall add": {201, 201}, "rules read": {200, 200}, "rules write": {403, 403}, "promote": {403, 403}},
}

// version2 stands for the site's rule set as version 2 (the demo's are version 1).
type version2 struct{}

// The permission matrix: each role × each family × own and other site,
// and each refusal audited with the caller, the action and the status.
// Each user acts on a fresh gateway, so that one's rule changes do not
// change the next one's answers.
func TestPermissionMatrix(t *testing.T) {
	for user, fams := range want {
		e := newEnv(t)
		token := e.login(user)
		for _, f := range families {
			for i, side := range []string{"own", "other"} {
				t.Run(fmt.Sprintf("%s/%s/%s", user, f.name, side), func(t *testing.T) {
					path, body := f.path, f.body
					if strings.Contains(path, "%s") {
						path = fmt.Sprintf(path, f.arg[side])
						if _, ok := body.(version2); ok {
							body = ruleDoc(t, f.arg[side], 2)
						}
					} else {
						body = map[string]string{"camera": f.arg[side]}
					}
					resp, b := e.do(f.method, path, token, body)
					if resp.StatusCode != fams[f.name][i] {
						t.Fatalf("%s %s: %d %s, want %d", f.method, path, resp.StatusCode, b, fams[f.name][i])
					}
					a := e.lastAudit()
					if a.Who != user || a.Status != resp.StatusCode || a.Action == "" {
						t.Fatalf("audit %+v", a)
					}
					if resp.StatusCode >= 400 && a.Detail == "" {
						t.Fatalf("refusal audited without a reason: %+v", a)
					}
					if strings.Contains(f.path, "/%s") && a.Object != f.arg[side] {
						t.Fatalf("audit object %q, want %q", a.Object, f.arg[side])
					}
				})
			}
		}
	}
}

// Users and the audit log: an admin of every site only.
func TestAdminOnly(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		user string
		want int
	}{{"root", 200}, {"river-admin", 403}, {"chief", 403}, {"river-op", 403}, {"river-pilot", 403}, {"river-cmd", 403}} {
		token := e.login(c.user)
		for _, path := range []string{"/api/users", "/api/audit"} {
			if resp, b := e.do("GET", path, token, nil); resp.StatusCode != c.want {
				t.Errorf("%s GET %s: %d %s, want %d", c.user, path, resp.StatusCode, b, c.want)
			}
		}
	}
}

func TestNoSession(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/api/me", "/api/cameras", "/api/anomalies/a-river", "/api/events", "/api/nothing-here"} {
		resp, b := e.do("GET", path, "", nil)
		if resp.StatusCode != 401 || !strings.Contains(string(b), "no session") || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without a session: %d %s", path, resp.StatusCode, b)
		}
		if a := e.lastAudit(); a.Who != "anonymous" || a.Status != 401 {
			t.Errorf("audit %+v", a)
		}
	}
	resp, _ := e.do("GET", "/api/me", "forged-token-forged-token", nil)
	if resp.StatusCode != 401 {
		t.Errorf("forged token: %d", resp.StatusCode)
	}
	resp, b := e.do("GET", "/api/nothing-here", e.login("chief"), nil)
	if resp.StatusCode != 404 || e.lastAudit().Action != "unknown" {
		t.Errorf("unknown path: %d %s", resp.StatusCode, b)
	}
}
