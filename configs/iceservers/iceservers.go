// Package iceservers is the list of STUN and TURN servers that both the
// edge config (relay.ice_servers) and the gateway config (ice_servers)
// take: its YAML form, its checks, and the reading of TURN credentials
// from environment variables. A credential is never written in a file and
// never appears in a log or an error: errors name the variable.
package iceservers

import (
	"regexp"
	"slices"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/configs/strict"
)

// Entry is one STUN or TURN server as a config file writes it.
type Entry struct {
	// URLs are the server's stun:, turn: or turns: URIs (RFC 7064, RFC 7065),
	// e.g. turn:turn.example.net:3478?transport=udp.
	URLs []string `yaml:"urls"`
	// Username is the TURN user name; TURN servers only.
	Username string `yaml:"username"`
	// CredentialEnv names the environment variable holding the TURN
	// password; TURN servers only.
	CredentialEnv string `yaml:"credential_env"`
}

// envName is what a POSIX shell accepts as a variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Check records the problems of entries, written at field (e.g.
// "relay.ice_servers"), in ps. With lookup it also reads each TURN
// credential, recording an unset or unfit variable as a problem; without,
// the servers it returns have no credential (syntax checks only).
func Check(ps *strict.Problems, field string, entries []Entry, lookup func(string) (string, bool)) []webrtc.ICEServer {
	servers := make([]webrtc.ICEServer, 0, len(entries))
	for i, e := range entries {
		at := strict.Index(field, i)
		turn := checkURLs(ps, strict.Child(at, "urls"), e.URLs)
		srv := webrtc.ICEServer{URLs: e.URLs}
		if !turn {
			if e.Username != "" || e.CredentialEnv != "" {
				ps.Add(at, "username and credential_env are for TURN servers only (turn:, turns:)")
			}
			servers = append(servers, srv)
			continue
		}
		switch {
		case e.Username == "":
			ps.Add(strict.Child(at, "username"), "missing: a TURN server needs a user name")
		case strings.ContainsFunc(e.Username, unfit):
			ps.Add(strict.Child(at, "username"), "holds a control character or a double quote")
		}
		srv.Username = e.Username
		srv.CredentialType = webrtc.ICECredentialTypePassword
		if cred, ok := credential(ps, strict.Child(at, "credential_env"), e.CredentialEnv, lookup); ok {
			srv.Credential = cred
		}
		servers = append(servers, srv)
	}
	return servers
}

// Resolve checks entries and reads their TURN credentials through lookup
// (os.LookupEnv): what a process does at start. field names the entries
// in errors, which name variables, never their values.
func Resolve(field string, entries []Entry, lookup func(string) (string, bool)) ([]webrtc.ICEServer, error) {
	ps := strict.NewProblems("")
	servers := Check(ps, field, entries, lookup)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return servers, nil
}

// IsTURN tells whether url is a TURN server's (turn: or turns:), whose
// entries carry credentials.
func IsTURN(url string) bool {
	return strings.HasPrefix(url, "turn:") || strings.HasPrefix(url, "turns:")
}

// schemes are the URI schemes accepted; stuns: is left out because no
// browser supports it.
var schemes = []ice.SchemeType{ice.SchemeTypeSTUN, ice.SchemeTypeTURN, ice.SchemeTypeTURNS}

// checkURLs records the problems of one server's URLs and tells whether
// they are TURN URLs; STUN and TURN are not mixed in one entry because
// only TURN takes the entry's credentials.
func checkURLs(ps *strict.Problems, field string, urls []string) (turn bool) {
	if len(urls) == 0 {
		ps.Add(field, "missing: list the server's stun:, turn: or turns: URLs")
		return false
	}
	kinds := map[bool]bool{}
	for j, u := range urls {
		at := strict.Index(field, j)
		if strings.Contains(u, "@") {
			// Not quoted: it may hold a password.
			ps.Add(at, "holds credentials: write the user in username and the password's variable in credential_env")
			continue
		}
		parsed, err := ice.ParseURL(u)
		if err != nil || !slices.Contains(schemes, parsed.Scheme) || strings.ContainsFunc(u, unfit) || strings.ContainsAny(u, "<>, ") {
			ps.Addf(at, "%q is not a STUN or TURN URL like stun:stun.example.net:3478 or turn:turn.example.net:3478?transport=udp", u)
			continue
		}
		kinds[IsTURN(u)] = true
	}
	if len(kinds) > 1 {
		ps.Add(field, "mixes STUN and TURN URLs: write them as two servers, the TURN one with its credentials")
	}
	return kinds[true]
}

// credential reads the TURN password from the variable name, when lookup
// is given; problems name the variable, never its value.
func credential(ps *strict.Problems, field, name string, lookup func(string) (string, bool)) (string, bool) {
	switch {
	case name == "":
		ps.Add(field, "missing: name the environment variable holding the TURN password")
		return "", false
	case !envName.MatchString(name):
		ps.Add(field, "is not an environment variable name (letters, digits and _, not starting with a digit): it names the variable that holds the password, not the password")
		return "", false
	case lookup == nil:
		return "", false
	}
	v, ok := lookup(name)
	switch {
	case !ok:
		ps.Addf(field, "environment variable %s is not set", name)
	case v == "":
		ps.Addf(field, "environment variable %s is empty", name)
	case strings.ContainsFunc(v, unfit):
		ps.Addf(field, "environment variable %s holds a control character or a double quote, which cannot be sent to a browser", name)
	default:
		return v, true
	}
	return "", false
}

// unfit are the characters a Link header's quoted attribute cannot carry
// as written: control characters (a header could be split) and quotes.
func unfit(r rune) bool {
	return r < 0x20 || r == 0x7f || r == '"' || r == '\\'
}

// URLs lists the servers' URLs, for logs: never their credentials.
func URLs(servers []webrtc.ICEServer) []string {
	urls := []string{}
	for _, s := range servers {
		urls = append(urls, s.URLs...)
	}
	return urls
}
