package configs

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// redacted replaces a secret wherever one is shown.
const redacted = "xxxxx"

// Credentials returns the camera's user name and password, reading the
// environment variables the config names. The error names an unset variable,
// never a value. Call it when pulling, in the process that pulls.
func (c Camera) Credentials() (user, pass string, err error) {
	user = c.Username
	var errs []error
	if c.UsernameEnv != "" {
		var uerr error
		user, uerr = lookupEnv(c.ID, "username_env", c.UsernameEnv)
		errs = append(errs, uerr)
	}
	if c.PasswordEnv != "" {
		var perr error
		pass, perr = lookupEnv(c.ID, "password_env", c.PasswordEnv)
		errs = append(errs, perr)
	}
	if err := errors.Join(errs...); err != nil {
		return "", "", err
	}
	return user, pass, nil
}

// lookupEnv reads one variable; a variable set to "" is a valid (empty)
// credential, an unset one is a deployment mistake.
func lookupEnv(camera, key, name string) (string, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return "", fmt.Errorf("camera %s: %s: environment variable %s is not set", camera, key, name)
	}
	return v, nil
}

// secretParams are query parameters that some cameras take credentials in.
var secretParams = []string{"password", "passwd", "pwd", "pass"}

// secretParam finds a password-like parameter: its key and "=" after a
// '?', '&', ';' or '#', then its value up to the next '&' or '#'. It is
// found anywhere, query or not, since a password typed with a '#' in it
// can move the parameter into what a parser takes for a fragment.
var secretParam = regexp.MustCompile(`(?i)([?&;#](?:` + strings.Join(secretParams, "|") + `)=)[^&#]*`)

// Redact returns rawURL fit for logs and messages: a password in the
// userinfo or in a password-like parameter becomes "xxxxx". Input that does
// not parse as a URL, or whose "@" the parser did not take as the end of a
// userinfo, is redacted from "://" (or the start) up to the last "@",
// because its userinfo cannot be told apart reliably: a password typed
// with a '/', '?' or '#' in it cuts the URL's authority short.
// Userinfo without a password is kept: a user name is not a secret.
func Redact(rawURL string) string {
	// parameters first: a value with an "@" in it would otherwise leave its
	// tail after the last "@"
	s := secretParam.ReplaceAllString(rawURL, "${1}"+redacted)
	u, err := url.Parse(s)
	if err != nil || strayAt(s, u) {
		return redactUnparsed(s)
	}
	if !hasPassword(u) {
		return s // nothing secret left: keep the caller's spelling
	}
	u.User = url.UserPassword(u.User.Username(), redacted)
	return u.String()
}

// strayAt tells whether raw has an "@" that is not the end of the parsed
// userinfo: without a host (rtsp:/u:p@h, rtsp:u:p@h) the parser took the
// userinfo for a path, and an "@" after the host is in a path, query or
// fragment, or ends a password that a '/', '?' or '#' cut short
// (rtsp://admin:12/3@h parses as host admin:12, path /3@h).
func strayAt(raw string, u *url.URL) bool {
	if !strings.Contains(raw, "@") {
		return false
	}
	return u.User == nil || u.Host == "" ||
		strings.Contains(u.Host+u.EscapedPath()+u.RawQuery+u.EscapedFragment()+u.Opaque, "@")
}

// schemePrefix matches a URL scheme and the slashes after it.
var schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:/*`)

// redactUnparsed redacts everything between "://" (or, failing that, a
// leading "scheme:" or the start) and the last "@".
func redactUnparsed(s string) string {
	end := strings.LastIndex(s, "@")
	if end < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s[:end], "://"); i >= 0 {
		start = i + len("://")
	} else if m := schemePrefix.FindString(s[:end]); m != "" {
		start = len(m)
	}
	return s[:start] + redacted + s[end:]
}

// Token returns the edge's HTTP bearer token from the variable that
// edge.http_token_env names; "" when none is named or it is unset.
func (i Identity) Token() string {
	if i.HTTPTokenEnv == "" {
		return ""
	}
	return os.Getenv(i.HTTPTokenEnv)
}

// Password returns the MQTT password from the variable that
// mqtt.password_env names, or from the file mqtt.password_file names
// (without its final newline); "" when neither is given. An unset
// variable or an unreadable file is an error naming it, never the value.
func (m MQTT) Password() (string, error) {
	if m.PasswordFile != "" {
		b, err := os.ReadFile(m.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("mqtt.password_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if m.PasswordEnv == "" {
		return "", nil
	}
	v, ok := os.LookupEnv(m.PasswordEnv)
	if !ok {
		return "", fmt.Errorf("mqtt.password_env: environment variable %s is not set", m.PasswordEnv)
	}
	return v, nil
}

// User returns the MQTT user name: mqtt.username, or the variable that
// mqtt.username_env names (an unset variable is an error naming it).
func (m MQTT) User() (string, error) {
	if m.UsernameEnv == "" {
		return m.Username, nil
	}
	v, ok := os.LookupEnv(m.UsernameEnv)
	if !ok {
		return "", fmt.Errorf("mqtt.username_env: environment variable %s is not set", m.UsernameEnv)
	}
	return v, nil
}

// Token returns the edge's bearer token at the gateway from the variable
// that relay.token_env names; "" when none is named or it is unset.
func (r Relay) Token() string {
	if r.TokenEnv == "" {
		return ""
	}
	return os.Getenv(r.TokenEnv)
}
