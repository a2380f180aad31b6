package bus

import (
	"fmt"
	"time"
)

// TimeFormat is how every time in a payload is written: RFC 3339, UTC,
// exactly three fractional digits, so strings sort as times do.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Time is a time.Time that marshals as TimeFormat. Fields that may be
// unknown use the omitzero tag, so a zero Time is left out.
type Time struct{ time.Time }

// Now is the current time truncated to milliseconds, as it will be read back.
func Now() Time { return At(time.Now()) }

// At converts t to a Time truncated to milliseconds.
func At(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// MarshalJSON writes the time as a TimeFormat string in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimeFormat)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeFormat)
	return append(b, '"'), nil
}

// UnmarshalJSON reads any RFC 3339 time (other offsets and precisions
// included, so a lenient sender is still understood) and keeps it in UTC.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("time %s: not a JSON string", b)
	}
	v, err := time.Parse(time.RFC3339Nano, string(b[1:len(b)-1]))
	if err != nil {
		return fmt.Errorf("time %s: %w", b, err)
	}
	t.Time = v.UTC()
	return nil
}
