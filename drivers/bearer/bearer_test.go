package bearer

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestParse is RFC 6750's grammar, case by case. Before this package the
// edge's :9100 took only "Bearer " in that case ("bearer tok" was refused)
// and the gateway's two parsers trimmed and took any characters
// ("Bearer  a b" was token "a b"); these cases failed there.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		header, token string
		err           error
	}{
		{"Bearer abc123", "abc123", nil},
		{"bearer abc123", "abc123", nil},
		{"BEARER abc123", "abc123", nil},
		{"BeArEr abc123", "abc123", nil},
		{"Bearer a-b.c_d~e+f/g==", "a-b.c_d~e+f/g==", nil},
		{"Bearer mF_9.B5f-4.1JqM", "mF_9.B5f-4.1JqM", nil}, // RFC 6750's example
		{"", "", ErrMissing},
		{"Basic dXNlcjpwYXNz", "", ErrScheme},
		{"Bearerabc", "", ErrScheme},
		{"Bear abc", "", ErrScheme},
		{"Bearer", "", ErrMalformed},
		{"Bearer ", "", ErrMalformed},
		{"Bearer  abc", "", ErrMalformed}, // two spaces
		{"Bearer\tabc", "", ErrScheme},
		{"Bearer abc def", "", ErrMalformed},
		{"Bearer abc ", "", ErrMalformed},
		{"Bearer ===", "", ErrMalformed},
		{"Bearer ab=c", "", ErrMalformed}, // = only at the end
		{"Bearer tok\"en", "", ErrMalformed},
		{"Bearer tök", "", ErrMalformed},
		{"Bearer a,b", "", ErrMalformed},
	} {
		got, err := Parse(c.header)
		if got != c.token || !errors.Is(err, c.err) {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", c.header, got, err, c.token, c.err)
		}
	}
}

// TestToken reads the header of a request and round-trips Header.
func TestToken(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if _, ok := Token(r); ok {
		t.Fatal("a request without Authorization has a token")
	}
	r.Header.Set("Authorization", Header("s3cret-token_0123"))
	if tok, ok := Token(r); !ok || tok != "s3cret-token_0123" {
		t.Fatalf("Token = %q, %v", tok, ok)
	}
}

// FuzzParse: whatever the header, Parse never panics, and a token it
// returns is the header's tail, non-empty and free of spaces and controls.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b-c", "Basic x", "Bearer  a", "Bearer a=b", "Bearer =", "", "Bearer", "BEARER ~+/==", "Bearer \x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tok, err := Parse(header)
		if err != nil {
			if tok != "" {
				t.Fatalf("Parse(%q) returned %q with error %v", header, tok, err)
			}
			return
		}
		if tok == "" || !strings.HasSuffix(header, " "+tok) || strings.ContainsAny(tok, " \t\r\n\x00,\"") {
			t.Fatalf("Parse(%q) = %q", header, tok)
		}
		if again, err := Parse(Header(tok)); err != nil || again != tok {
			t.Fatalf("Parse(Header(%q)) = %q, %v", tok, again, err)
		}
	})
}
