package configs

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/argus-edge/argus/configs/strict"
)

// MAVLinkKeySize is the length of a MAVLink 2 signing key in bytes.
const MAVLinkKeySize = 32

// MAVLink secures the edge's MAVLink links with MAVLink 2 signing.
type MAVLink struct {
	// SigningKeyEnv names the environment variable holding the signing
	// key shared with the drones: 64 hex digits or the base64 of 32
	// bytes. The key is never written in the file.
	SigningKeyEnv string `yaml:"signing_key_env"`
	// AllowUnsigned lets an edge with drones run its links unsigned; it
	// must be said explicitly, and not together with a key.
	AllowUnsigned bool `yaml:"allow_unsigned"`

	// at is file:line of signing_key_env, for the errors of SigningKey.
	at string
}

// checkMAVLink refuses drones without signing unless allow_unsigned says
// so, and a key together with allow_unsigned (which would be ignored).
func checkMAVLink(ps *strict.Problems, m *MAVLink, drones int) {
	checkEnvName(ps, "mavlink.signing_key_env", m.SigningKeyEnv)
	switch {
	case m.SigningKeyEnv != "" && m.AllowUnsigned:
		ps.Add("mavlink.allow_unsigned", "is true while mavlink.signing_key_env names a key: signed links refuse unsigned frames; drop one of the two")
	case drones > 0 && m.SigningKeyEnv == "" && !m.AllowUnsigned:
		field := "mavlink.signing_key_env"
		line := ps.Line(field)
		if !ps.Written("mavlink") {
			line = ps.Line("drones")
		}
		ps.AddAt(line, field, "is required with drones: name the environment variable holding the MAVLink signing key shared with them, "+
			"or set mavlink.allow_unsigned: true to let anyone who reaches the links forge telemetry and commands")
	}
}

// SigningKey reads the key from the variable signing_key_env names; nil
// when none is named. Errors name the file, line and variable, never the
// value. Call it when starting, in the process that holds the links.
func (m MAVLink) SigningKey() ([]byte, error) {
	if m.SigningKeyEnv == "" {
		return nil, nil
	}
	at := ""
	if m.at != "" {
		at = m.at + ": "
	}
	v, ok := os.LookupEnv(m.SigningKeyEnv)
	if !ok {
		return nil, fmt.Errorf("%smavlink.signing_key_env: environment variable %s is not set", at, m.SigningKeyEnv)
	}
	key, err := ParseMAVLinkKey(v)
	if err != nil {
		return nil, fmt.Errorf("%smavlink.signing_key_env: environment variable %s: %w", at, m.SigningKeyEnv, err)
	}
	return key, nil
}

// errKeyFormat never quotes the value: it is a secret even when malformed.
var errKeyFormat = errors.New("not a MAVLink signing key: want 64 hex digits or the base64 of 32 bytes")

// ParseMAVLinkKey reads a signing key written as 64 hex digits or as the
// standard or URL base64 (padded or not) of 32 bytes; surrounding spaces
// and a trailing newline are ignored.
func ParseMAVLinkKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*MAVLinkKeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.Strict().DecodeString(s); err == nil && len(key) == MAVLinkKeySize {
			return key, nil
		}
	}
	return nil, errKeyFormat
}

// locate records where signing_key_env was written, for the errors
// of SigningKey.
func (m *MAVLink) locate(ps *strict.Problems) {
	field := "mavlink.signing_key_env"
	if l := ps.Line(field); l > 0 && ps.File() != "" {
		m.at = fmt.Sprintf("%s:%d", ps.File(), l)
	} else if ps.File() != "" {
		m.at = ps.File()
	}
}
