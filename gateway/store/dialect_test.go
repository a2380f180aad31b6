package store

import (
	"errors"
	"testing"
)

// TestPlaceholders: ? becomes $n for PostgreSQL, except inside literals.
func TestPlaceholders(t *testing.T) {
	cases := []struct{ in, sqlite, postgres string }{
		{"a = ?", "a = ?", "a = $1"},
		{"(a, b) < (?, ?) AND c IN (?, ?, ?)", "(a, b) < (?, ?) AND c IN (?, ?, ?)", "(a, b) < ($1, $2) AND c IN ($3, $4, $5)"},
		{"a = '?' AND b = ? AND c = 'it''s ?'", "a = '?' AND b = ? AND c = 'it''s ?'", "a = '?' AND b = $1 AND c = 'it''s ?'"},
		{"no parameters", "no parameters", "no parameters"},
	}
	for _, c := range cases {
		if got := sqliteDialect.q(c.in); got != c.sqlite {
			t.Errorf("sqlite %q: %q", c.in, got)
		}
		if got := postgresDialect.q(c.in); got != c.postgres {
			t.Errorf("postgres %q: %q, want %q", c.in, got, c.postgres)
		}
	}
}

// TestPageLimit: default 50, at most 500.
func TestPageLimit(t *testing.T) {
	for in, want := range map[int]int{-1: 50, 0: 50, 1: 1, 500: 500, 501: 500, 1 << 30: 500} {
		if got := pageLimit(in); got != want {
			t.Errorf("pageLimit(%d) = %d, want %d", in, got, want)
		}
	}
}

// TestCursor: a cursor reads back as written, ids with the separator included.
func TestCursor(t *testing.T) {
	for _, c := range []cursor{{0, ""}, {1767225600123, "a1"}, {-5, "with|bar"}} {
		got, ok, err := decodeCursor(c.encode())
		if err != nil || !ok || got != c {
			t.Errorf("%+v read back as %+v, %v, %v", c, got, ok, err)
		}
	}
	if _, ok, err := decodeCursor(""); ok || err != nil {
		t.Errorf("empty cursor: %v %v", ok, err)
	}
	if _, _, err := decodeCursor("%%%"); !errors.Is(err, ErrInvalid) {
		t.Errorf("garbage cursor: %v", err)
	}
}
