package store

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Page sizes: the API's default and ceiling.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// pageLimit is the page size to use for a requested limit.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// cursor is the position after the last item of a page in a newest-first
// listing: its time and its id, which breaks ties.
type cursor struct {
	ms int64
	id string
}

// encode makes the opaque string handed to clients.
func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.ms, 10) + "|" + c.id))
}

// decodeCursor reads a cursor string; "" is the first page (ok false).
func decodeCursor(s string) (c cursor, ok bool, err error) {
	if s == "" {
		return cursor{}, false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, false, invalid("cursor %q is not one this server gave", s)
	}
	t, id, found := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(t, 10, 64)
	if !found || err != nil {
		return cursor{}, false, invalid("cursor %q is not one this server gave", s)
	}
	return cursor{ms: n, id: id}, true, nil
}

// where collects the conditions and arguments of a filtered query.
type where struct {
	conds []string
	args  []any
}

// add appends one condition with its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (?, ?…)" for a non-empty list.
func (w *where) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	w.conds = append(w.conds, col+" IN ("+marks(len(vals))+")")
	for _, v := range vals {
		w.args = append(w.args, v)
	}
}

// eq adds "col = ?" when v is not empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// span adds from <= col < to for the bounds that are set.
func (w *where) span(col string, from, to time.Time) {
	if !from.IsZero() {
		w.add(col+" >= ?", from.UnixMilli())
	}
	if !to.IsZero() {
		w.add(col+" < ?", to.UnixMilli())
	}
}

// String is the WHERE clause, empty when nothing is filtered.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
