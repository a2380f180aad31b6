package configs

import (
	"net/url"
	"strings"
	"testing"
)

// secretCore is in every fuzzed password, so that the check does not
// depend on guessing which bytes of the output could be the password.
const secretCore = "S3CRET"

// FuzzRedact builds camera URLs around a password (a fuzzed prefix and
// suffix around secretCore) in the spellings that reach logs: typed raw
// into the userinfo, escaped by net/url, and as a query parameter. Redact
// must never panic and never let the password through.
func FuzzRedact(f *testing.F) {
	f.Add(uint8(0), "admin", "", "", "10.0.0.1:554", "/Streaming/Channels/101")
	f.Add(uint8(1), "admin", "p@", "w", "cam.example.net", "/x")
	f.Add(uint8(0), "admin", "#", "", "10.0.0.1", "/x")  // '#' cuts the authority
	f.Add(uint8(0), "admin", "123/", "", "10.0.0.1", "") // looks like a port, then a path
	f.Add(uint8(0), "admin", "?", "", "10.0.0.1", "/x")
	f.Add(uint8(2), "", "", " w", "10.0.0.1", "/cam/realmonitor?channel=1")
	f.Add(uint8(1), "ad min", "\x7f", "", "h", "/x?a=b@c")
	f.Add(uint8(0), "0", "", "\xb3", "#00000", "") // a '#' in the host: the query is a fragment
	f.Fuzz(func(t *testing.T, scheme uint8, user, pre, post, host, path string) {
		pass := pre + secretCore + post
		if strings.Contains(user+host+path, secretCore) {
			return // the output may rightly show those parts
		}
		s := []string{"rtsp://", "rtsps://", "", "rtsp:/", "rtsp:"}[int(scheme)%5]
		for _, raw := range spellings(s, user, pass, host, path) {
			if got := Redact(raw); strings.Contains(got, secretCore) {
				t.Fatalf("Redact(%q) = %q shows the password %q", raw, got, pass)
			}
		}
	})
}

// spellings returns the ways a URL with a password is written.
func spellings(scheme, user, pass, host, path string) []string {
	out := []string{scheme + user + ":" + pass + "@" + host + path}
	escaped := url.URL{Scheme: "rtsp", User: url.UserPassword(user, pass), Host: host, Path: path}
	out = append(out, escaped.String())
	// In a query, '&' ends the value and '#' the query: what follows is no
	// part of the password the camera gets.
	if !strings.ContainsAny(pass, "&#") {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		out = append(out, scheme+host+path+sep+"password="+pass)
	}
	return out
}
