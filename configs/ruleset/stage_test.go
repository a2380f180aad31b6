package ruleset

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/argus-edge/argus/configs/strict"
)

func TestSetStage(t *testing.T) {
	cases := []struct {
		name    string
		doc     string
		shadow  bool
		version int
		want    string
	}{
		{"block, both written", "# head\nsite: s   # the site\nversion: 7  # v\nshadow: false\n\ncameras: {}\n", true, 8,
			"# head\nsite: s   # the site\nversion: 8  # v\nshadow: true\n\ncameras: {}\n"},
		{"block, shadow added after version", "site: s\nversion: 7\n# cameras next\ncameras: {}\n", true, 8,
			"site: s\nversion: 8\nshadow: true\n# cameras next\ncameras: {}\n"},
		{"block, shadow false left out", "site: s\nversion: 7\ncameras: {}\n", false, 12,
			"site: s\nversion: 12\ncameras: {}\n"},
		{"block, version last without newline", "site: s\nversion: 7", true, 9,
			"site: s\nversion: 9\nshadow: true"},
		{"block, version missing", "site: s\ncameras: {}\n", true, 3,
			"version: 3\nshadow: true\nsite: s\ncameras: {}\n"},
		{"CRLF", "site: s\r\nversion: 7\r\nshadow: true\r\n", false, 8,
			"site: s\r\nversion: 8\r\nshadow: false\r\n"},
		{"JSON on one line", `{"site": "s", "cameras": {"c": {"rules": [{"name": "r", "kind": "intrusion", "zone": {"name": "Übergang", "polygon": [[0,0],[1,0],[1,1]]}}]}}, "version": 4}`, true, 5,
			`{"shadow": true, "site": "s", "cameras": {"c": {"rules": [{"name": "r", "kind": "intrusion", "zone": {"name": "Übergang", "polygon": [[0,0],[1,0],[1,1]]}}]}}, "version": 5}`},
		{"JSON pretty", "{\n  \"site\": \"s\",\n  \"version\": 4,\n  \"shadow\": true\n}\n", false, 6,
			"{\n  \"site\": \"s\",\n  \"version\": 6,\n  \"shadow\": false\n}\n"},
		{"JSON pretty, shadow added", "{\n  \"site\": \"s\",\n  \"version\": 4\n}\n", true, 6,
			"{\n  \"shadow\": true,\n  \"site\": \"s\",\n  \"version\": 6\n}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := SetStage([]byte(tc.doc), tc.shadow, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Errorf("got\n%q\nwant\n%q", out, tc.want)
			}
			if strings.HasPrefix(tc.doc, "{") && !json.Valid(out) {
				t.Error("JSON in, not JSON out")
			}
		})
	}
}

func TestSetStageRefuses(t *testing.T) {
	cases := []struct{ name, doc, text string }{
		{"anchored", "site: s\nversion: &v 7\n", "version: write it as a plain value"},
		{"quoted", "site: s\nversion: \"7\"\n", "version: write it as a plain value"},
		{"empty", "site: s\nshadow:\nversion: 1\n", "shadow: write it as a plain value"},
		{"alias", "a: &v 1\nversion: *v\n", "version: write it as a plain value"},
		{"twice", "version: 1\nversion: 2\n", "version: is written twice"},
		{"a list", "- site\n", "must be a mapping"},
		{"nothing", "", "must be a mapping"},
		{"syntax", "site: [s\n", "did not find expected"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := SetStage([]byte(tc.doc), true, 3)
			var pe *strict.Error
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.text) || out != nil {
				t.Errorf("got %q, %v; want …%s…", out, err, tc.text)
			}
		})
	}
	if _, err := SetStage([]byte("site: s\nversion: 1\n"), false, 0); err == nil {
		t.Error("version 0 was written")
	}
}

// Every shipped rule set, staged either way, parses to the same rules
// with only shadow and version changed, and keeps all its comments.
func TestSetStageShipped(t *testing.T) {
	files, _ := filepath.Glob("../rules/*.yaml")
	files = append(files, "testdata/riverside.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, shadow := range []bool{true, false} {
			out, err := SetStage(data, shadow, 42)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			checkStaged(t, file, data, out, shadow, 42)
			if strings.Count(string(out), "#") != strings.Count(string(data), "#") {
				t.Errorf("%s: comments lost:\n%s", file, out)
			}
		}
	}
}

// checkStaged fails unless out parses as before with shadow and version set.
func checkStaged(t *testing.T, name string, before, out []byte, shadow bool, version int) {
	t.Helper()
	a, err := Parse(name, before, nil)
	if err != nil {
		t.Fatalf("%s before: %v", name, err)
	}
	b, err := Parse(name, out, nil)
	if err != nil {
		t.Fatalf("%s staged: %v\n%s", name, err, out)
	}
	if b.Shadow != shadow || b.Version != version || b.Site != a.Site || b.Timezone != a.Timezone || !reflect.DeepEqual(a.Cameras, b.Cameras) {
		t.Fatalf("%s staged shadow %v v%d, site %s:\n%s", name, b.Shadow, b.Version, b.Site, out)
	}
}
