package logs

import (
	"bytes"
	"encoding/json"
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
	var ev map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatalf("not JSON: %v", err)
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
