package logs

import (
	"bytes"
	"strings"
	"testing"
)

func TestNewWritesOneJSONEventPerLine(t *testing.T) {
	var b bytes.Buffer
	log, err := New(&b, "auto", "info") // a buffer is no terminal: JSON
	if err != nil {
		t.Fatal(err)
	}
	log.Info().Str("camera", "c1").Msg("camera online")
	log.Debug().Msg("hidden below info")
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines: %q", len(lines), b.String())
	}
	ev, err := Parse([]byte(lines[0]))
	if err != nil {
		t.Fatalf("not one JSON event: %v", err)
	}
	if ev["camera"] != "c1" || ev["message"] != "camera online" || ev["time"] == nil {
		t.Fatalf("event %v", ev)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, "xml", "info"); err == nil {
		t.Fatal("accepted format xml")
	}
	if _, err := New(&bytes.Buffer{}, "json", "loud"); err == nil {
		t.Fatal("accepted level loud")
	}
}

func TestParseRefusesDuplicateKeys(t *testing.T) {
	cases := []struct {
		line string
		ok   bool
	}{
		{`{"level":"info","edge":"e1","message":"bus: connecting"}`, true},
		{`{"level":"info","edge":"e1","edge":"e1","message":"bus: connecting"}`, false},
		{`{"a":{"b":1,"b":2}}`, false},
		{`{"a":[{"b":1},{"b":2}]}`, true}, // the same key in two objects
		{`{"a":[{"b":1,"b":1}]}`, false},
		{`{"a":1}{"a":2}`, false}, // two events on one line
		{`not json`, false},
		{`{"a":`, false},
		{``, false},
	}
	for _, c := range cases {
		ev, err := Parse([]byte(c.line))
		if (err == nil) != c.ok || (err == nil) != (ev != nil) {
			t.Errorf("Parse(%q): %v, %v; want ok %v", c.line, ev, err, c.ok)
		}
	}
}
