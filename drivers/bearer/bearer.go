// Package bearer reads the credential of an "Authorization: Bearer <token>"
// header (RFC 6750 §2.1) — the one parser of bearer tokens for the edge's
// :9100, the gateway's API, /metrics and its WHIP/WHEP. The scheme is
// case-insensitive (RFC 9110 §11.1), one space separates it from the
// token, and the token is token68 characters (b64token): nothing else is
// a bearer credential. It imports nothing of edge/ or gateway/: both use it.
package bearer

import (
	"errors"
	"net/http"
	"strings"
)

// Errors of Parse: each says why a header is not a bearer credential.
var (
	// ErrMissing is an absent or empty Authorization header.
	ErrMissing = errors.New("no Authorization header")
	// ErrScheme is a credential of another scheme (Basic, Digest, …).
	ErrScheme = errors.New("the Authorization scheme is not Bearer")
	// ErrMalformed is a Bearer credential that is not one space and a token68.
	ErrMalformed = errors.New(`malformed bearer credential: want "Bearer" SP token (A-Z a-z 0-9 - . _ ~ + / then trailing =)`)
)

// scheme is the auth-scheme, compared without regard to case.
const scheme = "Bearer"

// Parse returns the token of an Authorization header value.
func Parse(header string) (string, error) {
	if header == "" {
		return "", ErrMissing
	}
	if len(header) < len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) ||
		len(header) > len(scheme) && header[len(scheme)] != ' ' {
		return "", ErrScheme
	}
	token := header[min(len(header), len(scheme)+1):]
	if !token68(token) {
		return "", ErrMalformed
	}
	return token, nil
}

// Token returns the bearer token of r's Authorization header, if it has a well-formed one.
func Token(r *http.Request) (string, bool) {
	t, err := Parse(r.Header.Get("Authorization"))
	return t, err == nil
}

// Header is the Authorization header value that carries token.
func Header(token string) string { return scheme + " " + token }

// token68 reports whether s is 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func token68(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/':
		default:
			return false
		}
	}
	return true
}
