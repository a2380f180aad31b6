package ruleset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/strict"
)

// registered stands for the edge's detector registry (detect.Names()).
var registered = EdgeDetectors

func problemsOf(t *testing.T, err error) []strict.Problem {
	t.Helper()
	var e *strict.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *strict.Error", err, err)
	}
	return e.Problems
}

// The example reads as written; defaults fill only a copy of each rule.
func TestParseExample(t *testing.T) {
	data, err := os.ReadFile("testdata/riverside.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse("testdata/riverside.yaml", data, registered)
	if err != nil {
		t.Fatal(err)
	}
	if d.Site != "riverside" || d.Version != 7 || d.Location().String() != "Asia/Shanghai" || d.Source() != "testdata/riverside.yaml" {
		t.Errorf("document %s v%d in %s from %s", d.Site, d.Version, d.Location(), d.Source())
	}
	walk := d.Cameras["riverside-walk"]
	if m := walk.Detectors["motion"]; m.Threshold != 25 || len(m.Masks) != 1 || m.Masks[0][2] != (Point{1, 0.08}) {
		t.Errorf("motion settings %+v", m)
	}
	night := walk.Rules[0]
	if night.EndAfter != 0 || night.Severity != "high" {
		t.Errorf("the document was changed: %+v", night)
	}
	full := night.WithDefaults()
	if full.EndAfter.D() != DefaultEndAfter || full.UpdateEvery.D() != DefaultUpdateEvery || full.Zone.Name != "embankment" || len(night.Hours()) != 1 {
		t.Errorf("defaults not applied: %+v", full)
	}
	gate := walk.Rules[2].WithDefaults()
	if gate.Line.Name != "gate" || gate.Severity != DefaultSeverity || len(gate.Objects) != 2 {
		t.Errorf("gate-in with defaults %+v", gate)
	}
	fire := walk.Rules[3].WithDefaults()
	if fire.Objects[0] != "person" || fire.Zone != nil || fire.Line != nil || walk.Rules[3].Objects != nil {
		t.Errorf("fire with defaults %+v", fire)
	}
}

// Every mistake is reported at once, each with its file, line and field.
func TestParseProblems(t *testing.T) {
	doc := `site: riverside
timezone: Mars/Olympus
cameras:
  gate:
    detectors:
      motoin: {threshold: 25}
      objects: {min_score: 1.5}
    rules:
      - name: a
        kind: persn
      - name: a
        kind: person
      - name: zone
        kind: intrusion
        zone: {polygon: [[0, 0], [1, 0]]}
        min_duration: soon
      - name: loiter
        kind: loitering
        zone: {polygon: [[0, 0], [1.2, 0], [1, 1]]}
      - name: hours
        kind: fire
        active_hours: "25:00-06:00"
        severity: urgent
        colour: red
      - name: cross
        kind: line_crossing
        line: {from: [0, 0], to: [0, 0], direction: up}
        dwell: 3s
  Gate/2: {}
`
	_, err := Parse("site.yaml", []byte(doc), registered)
	want := []struct {
		line        int
		field, text string
	}{
		{1, "version", "is required"},
		{2, "timezone", `"Mars/Olympus" is not an IANA time zone`},
		{6, "cameras.gate.detectors.motoin", `unknown detector "motoin"`},
		{7, "cameras.gate.detectors.objects.min_score", "1.5 is not between 0 and 1"},
		{10, "cameras.gate.rules[0].kind", `"persn" is not a kind`},
		{11, "cameras.gate.rules[1].name", `"a" is already the name of rules[0]`},
		{15, "cameras.gate.rules[2].zone.polygon", "at least 3 points"},
		{16, "cameras.gate.rules[2].min_duration", `"soon" is not a duration`},
		{17, "cameras.gate.rules[3].dwell", "is required for loitering"},
		{19, "cameras.gate.rules[3].zone.polygon[1]", "outside the picture"},
		{22, "cameras.gate.rules[4].active_hours", "between 00:00 and 23:59"},
		{23, "cameras.gate.rules[4].severity", `"urgent" is not one of`},
		{24, "cameras.gate.rules[4].colour", "unknown field"},
		{27, "cameras.gate.rules[5].line.to", "same point as from"},
		{27, "cameras.gate.rules[5].line.direction", `"up" is not one of any, left_to_right, right_to_left`},
		{28, "cameras.gate.rules[5].dwell", "applies only to loitering"},
		{29, "cameras.Gate/2", "is not a camera id"},
	}
	got := problemsOf(t, err)
	for _, w := range want {
		found := false
		for _, p := range got {
			if p.File == "site.yaml" && p.Line == w.line && p.Field == w.field && strings.Contains(p.Msg, w.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing site.yaml:%d: %s: …%s…", w.line, w.field, w.text)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(got), len(want), err)
	}
}

func TestParseSmallProblems(t *testing.T) {
	cases := []struct{ name, doc, field, text string }{
		{"version zero", "site: s\nversion: 0\n", "version", "0 is not a positive integer"},
		{"bad site", "site: River Side\nversion: 1\n", "site", "is not a valid site id"},
		{"hours without dash", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: fire, active_hours: '22:00'}]}}\n", "cameras.c.rules[0].active_hours", "not a range"},
		{"hours empty range", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: fire, active_hours: '06:00-06:00'}]}}\n", "cameras.c.rules[0].active_hours", "starts where it ends"},
		{"objects on a plain kind", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: fire, objects: [person]}]}}\n", "cameras.c.rules[0].objects", "applies only to intrusion"},
		{"object kind", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: intrusion, objects: [dog], zone: {polygon: [[0,0],[1,0],[1,1]]}}]}}\n", "cameras.c.rules[0].objects[0]", `"dog" is not a tracked object kind`},
		{"flat polygon", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: intrusion, zone: {polygon: [[0,0],[0.5,0.5],[1,1]]}}]}}\n", "cameras.c.rules[0].zone.polygon", "has no area"},
		{"end_after zero", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: fire, end_after: 0s}]}}\n", "cameras.c.rules[0].end_after", "0s is not more than 0"},
		{"max below min", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: person, min_area: 0.5, max_area: 0.1}]}}\n", "cameras.c.rules[0].max_area", "less than min_area"},
		{"point of three", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: line_crossing, line: {from: [0,0,1], to: [1,1]}}]}}\n", "cameras.c.rules[0].line.from", "expected a list of 2"},
		{"crossing with min_duration", "site: s\nversion: 1\ncameras: {c: {rules: [{name: r, kind: line_crossing, min_duration: 1s, line: {from: [0,0], to: [1,1]}}]}}\n", "cameras.c.rules[0].min_duration", "instantaneous"},
		{"not a mapping", "- site\n", "", "the document must be a mapping with site, version and cameras"},
		{"empty", "", "", "empty document"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("t.yaml", []byte(tc.doc), registered)
			if s != nil {
				t.Error("a set came back with an error")
			}
			for _, p := range problemsOf(t, err) {
				if p.Field == tc.field && strings.Contains(p.Msg, tc.text) {
					return
				}
			}
			t.Errorf("want %s: …%s…, got\n%v", tc.field, tc.text, err)
		})
	}
}

// Without a list of detectors (tools that do not link the plugins), any
// detector name is accepted.
func TestParseAnyDetector(t *testing.T) {
	if _, err := Parse("t.yaml", []byte("site: s\nversion: 1\ncameras: {c: {detectors: {thermal: {}}}}\n"), nil); err != nil {
		t.Error(err)
	}
}

// The MQTT payload is JSON; problems name the topic.
func TestParseMessage(t *testing.T) {
	live := Topic("riverside", false)
	payload := `{"site": "riverside", "version": 8, "cameras": {"*": {"rules": [{"name": "fire", "kind": "fire", "severity": "critical"}]}}}`
	s, err := ParseMessage(live, []byte(payload), registered)
	if err != nil || s.Version != 8 || s.Source() != "mqtt:argus/v1/rules/riverside" {
		t.Fatalf("ParseMessage = %v, %v", s, err)
	}
	_, err = ParseMessage(live, []byte(`{"site": "riverside", "version": 9,
  "cameras": {"c": {"rules": [{"name": "f", "kind": "fyre"}]}}}`), registered)
	if err == nil || !strings.HasPrefix(err.Error(), `mqtt:argus/v1/rules/riverside:2: cameras.c.rules[0].kind: "fyre" is not a kind`) {
		t.Errorf("got %v", err)
	}
	for _, tc := range []struct{ topic, payload, text string }{
		{Topic("hillside", false), payload, `"riverside" is not the site of topic`},
		{Topic("riverside", true), payload, "the shadow topic takes only sets with shadow: true"},
		{live, `{"site": "riverside", "version": 9, "shadow": true}`, "a shadow set is published on argus/v1/rules/riverside/shadow"},
		{"argus/v1/status/riverside", payload, "is not a rule-set topic"},
	} {
		if _, err := ParseMessage(tc.topic, []byte(tc.payload), registered); err == nil || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: got %v, want …%s…", tc.topic, err, tc.text)
		}
	}
	if _, err := ParseMessage(Topic("riverside", true), nil, registered); !errors.Is(err, ErrCleared) {
		t.Errorf("empty payload: %v", err)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile("testdata/riverside.yaml")
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("riverside.yaml", string(data))
	write("hillside.yml", "site: hillside\nversion: 1\n")
	write("README.txt", "not a rule set")
	docs, err := LoadDir(dir, registered)
	if err != nil || len(docs) != 2 || docs["hillside"].Version != 1 || docs["riverside"].Version != 7 {
		t.Fatalf("LoadDir = %v, %v", docs, err)
	}
	write("chemplant.yaml", "site: chemplant\nversion: 1\ncameras: {c: {rules: [{name: r, kind: fir}]}}\n")
	write("quay.yaml", "site: harbour\nversion: 1\n")
	_, err = LoadDir(dir, registered)
	for _, want := range []string{
		filepath.Join(dir, "chemplant.yaml") + `:3: cameras.c.rules[0].kind: "fir" is not a kind`,
		filepath.Join(dir, "quay.yaml") + `:1: site: "harbour" does not match the file name`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadDir error %v, want …%s…", err, want)
		}
	}
}

func TestHours(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	night, _ := ParseHours("22:00-06:00")
	split, _ := ParseHours("08:00-09:30, 17:00-24:00")
	cases := []struct {
		spans Hours
		local string // wall clock in Shanghai
		want  bool
	}{
		{night, "21:59", false},
		{night, "22:00", true},
		{night, "23:59", true},
		{night, "00:00", true},
		{night, "05:59", true},
		{night, "06:00", false},
		{night, "12:00", false},
		{split, "08:00", true},
		{split, "09:30", false},
		{split, "16:59", false},
		{split, "23:59", true},
		{split, "00:00", false},
		{nil, "03:00", true},
	}
	for _, tc := range cases {
		local, _ := time.ParseInLocation("2006-01-02 15:04", "2025-06-01 "+tc.local, shanghai)
		// The frame time is UTC, as frames are stamped: 22:00 in Shanghai
		// is 14:00 UTC, so reading hours in UTC would be wrong.
		if got := tc.spans.Active(local.UTC(), shanghai); got != tc.want {
			t.Errorf("%v at %s Shanghai = %v, want %v", tc.spans, tc.local, got, tc.want)
		}
	}
}
