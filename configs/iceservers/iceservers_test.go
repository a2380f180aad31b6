package iceservers

import (
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/configs/strict"
)

type doc struct {
	ICEServers []Entry `yaml:"ice_servers"`
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// check decodes a document and checks its entries as a config would.
func check(t *testing.T, file string, lookup func(string) (string, bool)) ([]webrtc.ICEServer, error) {
	t.Helper()
	var d doc
	ps := strict.Decode("c.yaml", []byte(file), &d)
	servers := Check(ps, "ice_servers", d.ICEServers, lookup)
	return servers, ps.Err()
}

func TestCheck(t *testing.T) {
	const file = `ice_servers:
  - urls: ["stun:stun.example.net", "stun:stun2.example.net:3478"]
  - urls: ["turn:turn.example.net:3478?transport=udp", "turns:turn.example.net:5349"]
    username: argus
    credential_env: TURN_PASS
`
	got, err := check(t, file, env(map[string]string{"TURN_PASS": "s3cret-turn"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].URLs) != 2 || got[0].Username != "" || got[0].Credential != nil {
		t.Fatalf("STUN server %+v", got)
	}
	if got[1].Username != "argus" || got[1].Credential != "s3cret-turn" || got[1].CredentialType != webrtc.ICECredentialTypePassword {
		t.Fatalf("TURN server %+v", got[1])
	}
	// Without lookup (the edge's parse): syntax only, no credential read.
	got, err = check(t, file, nil)
	if err != nil || got[1].Credential != nil {
		t.Fatalf("syntax-only check: %+v, %v", got, err)
	}
	if u := URLs(got); len(u) != 4 || u[2] != "turn:turn.example.net:3478?transport=udp" {
		t.Fatalf("URLs %v", u)
	}
}

// Every problem at once, with its line, never quoting a credential.
func TestCheckProblems(t *testing.T) {
	const file = `ice_servers:
  - urls: []
  - urls: ["http://stun.example.net", "stun:"]
  - urls: ["turn:argus:hunter2@turn.example.net"]
  - urls: ["stun:stun.example.net", "turn:turn.example.net"]
    username: argus
    credential_env: TURN_PASS
  - urls: ["stun:stun.example.net"]
    credential_env: TURN_PASS
  - urls: ["turn:turn.example.net"]
  - urls: ["turn:turn.example.net"]
    username: argus
    credential_env: TURN_UNSET
  - urls: ["turn:turn.example.net"]
    username: argus
    credential_env: TURN_NEWLINE
  - urls: ["turns:turn.example.net"]
    username: "a\"b"
    credential_env: 1BAD
`
	_, err := check(t, file, env(map[string]string{"TURN_PASS": "pass-1", "TURN_NEWLINE": "bad\r\nSet-Cookie: x"}))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		`c.yaml:2: ice_servers[0].urls: missing`,
		`c.yaml:3: ice_servers[1].urls[0]: "http://stun.example.net" is not a STUN or TURN URL`,
		`c.yaml:3: ice_servers[1].urls[1]: "stun:" is not a STUN or TURN URL`,
		`c.yaml:4: ice_servers[2].urls[0]: holds credentials`,
		`c.yaml:5: ice_servers[3].urls: mixes STUN and TURN URLs`,
		`c.yaml:8: ice_servers[4]: username and credential_env are for TURN servers only`,
		`c.yaml:10: ice_servers[5].username: missing`,
		`c.yaml:10: ice_servers[5].credential_env: missing`,
		`c.yaml:13: ice_servers[6].credential_env: environment variable TURN_UNSET is not set`,
		`c.yaml:16: ice_servers[7].credential_env: environment variable TURN_NEWLINE holds a control character`,
		`c.yaml:18: ice_servers[8].username: holds a control character or a double quote`,
		`c.yaml:19: ice_servers[8].credential_env: is not an environment variable name`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, secret := range []string{"hunter2", "pass-1", "Set-Cookie"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error shows a secret %q:\n%s", secret, msg)
		}
	}
}

func TestResolve(t *testing.T) {
	entries := []Entry{{URLs: []string{"turn:turn.example.net"}, Username: "argus", CredentialEnv: "TURN_PASS"}}
	if _, err := Resolve("relay.ice_servers", entries, env(nil)); err == nil ||
		err.Error() != "relay.ice_servers[0].credential_env: environment variable TURN_PASS is not set" {
		t.Fatalf("unset variable: %v", err)
	}
	got, err := Resolve("relay.ice_servers", entries, env(map[string]string{"TURN_PASS": "pw"}))
	if err != nil || got[0].Credential != "pw" {
		t.Fatalf("%+v, %v", got, err)
	}
}
