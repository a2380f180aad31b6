package ruleset

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Hours is an active_hours value parsed: ranges of the day; empty means
// always.
type Hours []Span

// Span is a range of the day in minutes since midnight, From inclusive, To
// exclusive; From > To wraps past midnight ("22:00-06:00").
type Span struct{ From, To int }

// ParseHours reads "HH:MM-HH:MM[, HH:MM-HH:MM…]". "" means always (nil).
func ParseHours(s string) (Hours, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out Hours
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		a, b, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("%q is not a range like 22:00-06:00", part)
		}
		from, err := clock(strings.TrimSpace(a), false)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		to, err := clock(strings.TrimSpace(b), true)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		if from == to%(24*60) {
			// Equal ends could mean never or always; leaving the key out
			// says always without doubt.
			return nil, fmt.Errorf("%q starts where it ends: leave active_hours out to be active all day", part)
		}
		out = append(out, Span{from, to})
	}
	return out, nil
}

// clock reads "HH:MM" as minutes since midnight; "24:00" only as an end.
func clock(s string, end bool) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, herr := strconv.Atoi(h)
	mm, merr := strconv.Atoi(m)
	switch {
	case !ok || herr != nil || merr != nil || len(h) == 0 || len(h) > 2 || len(m) != 2:
		return 0, fmt.Errorf("%q is not a time of day like 06:00 or 22:30", s)
	case end && hh == 24 && mm == 0:
		return 24 * 60, nil
	case hh < 0 || hh > 23 || mm < 0 || mm > 59:
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 23:59", s)
	}
	return hh*60 + mm, nil
}

// Active reports whether t falls in one of the spans, reading the wall
// clock in loc (so 22:00 stays 22:00 across daylight saving changes).
func (h Hours) Active(t time.Time, loc *time.Location) bool {
	if len(h) == 0 {
		return true
	}
	hh, mm, _ := t.In(loc).Clock()
	now := hh*60 + mm
	for _, s := range h {
		if s.From < s.To && now >= s.From && now < s.To {
			return true
		}
		if s.From > s.To && (now >= s.From || now < s.To) {
			return true
		}
	}
	return false
}
