package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Login sets the session cookie and returns the token; the cookie works for
// reads, logout ends it, and a session ends at its expiry.
func TestLoginCookieLogoutExpiry(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do("POST", "/api/login", "", map[string]string{"user": "river-op", "password": password("river-op")})
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	var out struct {
		User    userInfo
		Token   string
		Expires time.Time
	}
	json.Unmarshal(body, &out)
	if out.User.Name != "river-op" || out.User.Role != "operator" || strings.Join(out.User.Permissions, ",") != "view,rules.read,rules.write,inventory" ||
		!out.Expires.Equal(e.clk.now().Add(time.Hour)) {
		t.Fatalf("login answer %s", body)
	}
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == CookieName {
			ck = c
		}
	}
	if ck == nil || ck.Value != out.Token || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure {
		t.Fatalf("cookie %+v", ck)
	}
	if a := e.lastAudit(); a.Action != "login" || a.Who != "river-op" || a.Status != 200 || a.Object != "river-op" {
		t.Fatalf("login audit %+v", a)
	}
	withCookie := func(method, path string, body any) (*http.Response, []byte) {
		req := e.request(method, path, body)
		req.AddCookie(&http.Cookie{Name: CookieName, Value: out.Token})
		return e.send(req)
	}
	if resp, b := withCookie("GET", "/api/me", nil); resp.StatusCode != 200 || !strings.Contains(string(b), `"name":"river-op"`) {
		t.Fatalf("me by cookie: %d %s", resp.StatusCode, b)
	}
	if resp, b := withCookie("POST", "/api/logout", map[string]string{}); resp.StatusCode != 200 {
		t.Fatalf("logout: %d %s", resp.StatusCode, b)
	}
	if resp, _ := withCookie("GET", "/api/me", nil); resp.StatusCode != 401 {
		t.Fatalf("after logout: %d", resp.StatusCode)
	}
	token := e.login("chief")
	e.clk.add(59 * time.Minute)
	if resp, _ := e.do("GET", "/api/me", token, nil); resp.StatusCode != 200 {
		t.Fatalf("before expiry: %d", resp.StatusCode)
	}
	e.clk.add(time.Minute)
	if resp, _ := e.do("GET", "/api/me", token, nil); resp.StatusCode != 401 {
		t.Fatalf("after expiry: %d", resp.StatusCode)
	}
}

// Unknown user and wrong password answer alike; a name failing repeatedly
// is slowed with 429 and retry_after, audited.
func TestLoginFailuresAndThrottle(t *testing.T) {
	e := newEnv(t)
	login := func(user, pw string) (int, string, http.Header) {
		resp, b := e.do("POST", "/api/login", "", map[string]string{"user": user, "password": pw})
		return resp.StatusCode, string(b), resp.Header
	}
	s1, b1, _ := login("nobody", "whatever")
	s2, b2, _ := login("chief", "wrong")
	if s1 != 401 || s2 != 401 || b1 != b2 || !strings.Contains(b1, "wrong user or password") {
		t.Fatalf("unknown user %d %s; wrong password %d %s", s1, b1, s2, b2)
	}
	for range 4 {
		login("chief", "wrong")
	}
	status, body, h := login("chief", password("chief"))
	if status != 429 || !strings.Contains(body, `"retry_after":1`) || h.Get("Retry-After") != "1" {
		t.Fatalf("sixth attempt: %d %s %v", status, body, h)
	}
	if a := e.lastAudit(); a.Action != "login" || a.Status != 429 || a.Object != "chief" || a.Who != "anonymous" {
		t.Fatalf("audit %+v", a)
	}
	e.clk.add(time.Second)
	if status, body, _ := login("chief", password("chief")); status != 200 {
		t.Fatalf("after the delay: %d %s", status, body)
	}
}

// A cookie alone does not carry an unsafe call without a JSON or YAML
// body type (a cross-site form post); a bearer call needs no type.
func TestCookieNeedsJSONForUnsafeMethods(t *testing.T) {
	e := newEnv(t)
	token := e.login("chief")
	for _, ct := range []string{"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", ""} {
		req := e.request("POST", "/api/anomalies/a-river/ack", nil)
		req.Body = http.NoBody
		req.Header.Set("Content-Type", ct)
		req.AddCookie(&http.Cookie{Name: CookieName, Value: token})
		if resp, b := e.send(req); resp.StatusCode != 415 {
			t.Errorf("cookie + %q: %d %s, want 415", ct, resp.StatusCode, b)
		}
	}
	req := e.request("POST", "/api/anomalies/a-river/ack", nil)
	req.Header.Del("Content-Type")
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, b := e.send(req); resp.StatusCode != 200 {
		t.Errorf("bearer without a type: %d %s", resp.StatusCode, b)
	}
	req = e.request("POST", "/api/login", nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := e.send(req); resp.StatusCode != 415 {
		t.Errorf("form login: %d, want 415", resp.StatusCode)
	}
}

// Passwords and tokens never show in a log line, an audit entry or an answer other than the login's own.
func TestSecretsStayOut(t *testing.T) {
	e := newEnv(t)
	token := e.login("root")
	e.do("POST", "/api/login", "", map[string]string{"user": "chief", "password": "wrong-secret-guess"})
	resp, created := e.do("POST", "/api/users", token, map[string]any{"name": "new-op", "role": "operator", "sites": []string{"riverside"}, "password": "new-user-secret-pw"})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, created)
	}
	_, users := e.do("GET", "/api/users", token, nil)
	_, audit := e.do("GET", "/api/audit?limit=500", token, nil)
	_, me := e.do("GET", "/api/me", token, nil)
	e.do("POST", "/api/logout", token, map[string]string{})
	var everything strings.Builder
	for _, b := range [][]byte{created, users, audit, me, []byte(e.log.String())} {
		everything.Write(b)
	}
	for _, secret := range []string{token, password("root"), password("chief"), "wrong-secret-guess", "new-user-secret-pw", "$2a$"} {
		if strings.Contains(everything.String(), secret) {
			t.Errorf("a secret (%.6s…) shows in the answers or the log", secret)
		}
	}
	if !strings.Contains(string(users), `"source":"config"`) || !strings.Contains(string(users), `"name":"new-op","role":"operator"`) {
		t.Errorf("users: %s", users)
	}
	if !strings.Contains(e.log.String(), `"action":"user.create"`) {
		t.Errorf("the log has no api call lines: %s", e.log.String())
	}
}

// Admins create, change and delete stored users; config users are read-only;
// a new user logs in and its role change applies at the next call.
func TestUsersCRUD(t *testing.T) {
	e := newEnv(t)
	root := e.login("root")
	create := map[string]any{"name": "night-cmd", "role": "commander", "sites": []string{"hillside"}, "password": "night shift pw"}
	for _, c := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"POST", "/api/users", create, 201},
		{"POST", "/api/users", create, 409},
		{"POST", "/api/users", map[string]any{"name": "chief", "role": "pilot", "sites": []string{"*"}, "password": "long enough pw"}, 409},
		{"POST", "/api/users", map[string]any{"name": "x", "role": "janitor", "sites": []string{"*"}, "password": "long enough pw"}, 400},
		{"POST", "/api/users", map[string]any{"name": "y", "role": "pilot", "sites": []string{"*"}, "password": "short"}, 400},
		{"POST", "/api/users", map[string]any{"name": "Bad Name", "role": "pilot", "sites": []string{"*"}, "password": "long enough pw"}, 400},
		{"PUT", "/api/users/chief", map[string]any{"role": "pilot"}, 409},
		{"DELETE", "/api/users/chief", nil, 409},
		{"PUT", "/api/users/nobody", map[string]any{"role": "pilot"}, 404},
	} {
		if resp, b := e.do(c.method, c.path, root, c.body); resp.StatusCode != c.want {
			t.Errorf("%s %s %v: %d %s, want %d", c.method, c.path, c.body, resp.StatusCode, b, c.want)
		}
	}
	resp, b := e.do("POST", "/api/login", "", map[string]string{"user": "night-cmd", "password": "night shift pw"})
	if resp.StatusCode != 200 {
		t.Fatalf("new user login: %d %s", resp.StatusCode, b)
	}
	var out struct{ Token string }
	json.Unmarshal(b, &out)
	if resp, _ := e.do("POST", "/api/anomalies/a-hill/ack", out.Token, map[string]string{}); resp.StatusCode != 200 {
		t.Fatalf("commander ack: %d", resp.StatusCode)
	}
	if resp, b := e.do("PUT", "/api/users/night-cmd", root, map[string]any{"role": "pilot"}); resp.StatusCode != 200 || !strings.Contains(string(b), `"role":"pilot"`) {
		t.Fatalf("update: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("POST", "/api/anomalies/a-hill/ack", out.Token, map[string]string{}); resp.StatusCode != 403 {
		t.Fatalf("ack after the demotion: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do("DELETE", "/api/users/night-cmd", root, nil); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/me", out.Token, nil); resp.StatusCode != 401 {
		t.Fatalf("deleted user's session: %d, want 401", resp.StatusCode)
	}
	if a := e.lastAudit(); a.Who != "anonymous" || a.Status != 401 {
		t.Fatalf("audit %+v", a)
	}
}
