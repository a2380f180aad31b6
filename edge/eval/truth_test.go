package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseTruth reads a complete truth file and checks the defaults it
// fills in.
func TestParseTruth(t *testing.T) {
	tr, err := ParseTruth("/data/truth.yaml", []byte(`
rules: rules/site.yaml
clips:
  - file: Gate Cam 1.mp4
    events:
      - {kind: person, from: 12s, to: 20s}
      - {kind: fire, from: 2s}
  - file: /abs/other.mkv
    rules: other.yaml
    camera: pan
    kinds: [smoke]
`))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Tolerance.D() != DefaultTolerance || tr.Early.D() != DefaultEarly {
		t.Fatalf("tolerance %v early %v, want the defaults", tr.Tolerance, tr.Early)
	}
	c := tr.Clips[0]
	if c.Camera != "gate-cam-1" || c.Rules != "rules/site.yaml" || tr.Path(c.Rules) != "/data/rules/site.yaml" {
		t.Fatalf("clip 0: camera %q rules %q (%s)", c.Camera, c.Rules, tr.Path(c.Rules))
	}
	if c.Events[0].Kind != "fire" || c.Events[1].From.D() != 12*time.Second {
		t.Fatalf("events not sorted by start: %+v", c.Events)
	}
	if d := tr.Clips[1]; d.Camera != "pan" || d.Rules != "other.yaml" || len(d.Kinds) != 1 {
		t.Fatalf("clip 1: %+v", d)
	}
	if got := ClipPath("/data", "/abs/other.mkv"); got != "/abs/other.mkv" {
		t.Fatalf("ClipPath of an absolute file: %s", got)
	}
	t.Setenv("EVAL_TEST_CLIP", "/x/vtest.avi")
	if got := ClipPath("/data", "$EVAL_TEST_CLIP"); got != "/x/vtest.avi" {
		t.Fatalf("ClipPath of $EVAL_TEST_CLIP: %s", got)
	}
}

// TestTruthErrors checks that every problem of a truth file is reported
// at once with the file, the line and the field.
func TestTruthErrors(t *testing.T) {
	_, err := ParseTruth("truth.yaml", []byte(`tolerance: -1s
clips:
  - file: a.mp4
    rules: r.yaml
    kinds: [fires]
    events:
      - {kind: flame, from: 3s}
      - {kind: fire, from: 5s, to: 4s}
      - {kind: fire, form: 1s}
  - file: a.mp4
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"truth.yaml:1: tolerance: must not be negative",
		`truth.yaml:5: clips[0].kinds[0]: "fires" is not a kind`,
		`truth.yaml:7: clips[0].events[0].kind: "flame" is not a kind`,
		"truth.yaml:8: clips[0].events[1].to: 4s is not after from (5s)",
		"truth.yaml:9: clips[0].events[2].form: unknown field (did you mean from?)",
		"truth.yaml:10: clips[1].file: a.mp4 is listed twice",
		"truth.yaml:10: clips[1].rules: required",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestDevSetTruth checks that the committed development set's truth file
// reads and that every clip it names but vtest is committed beside it.
func TestDevSetTruth(t *testing.T) {
	tr, err := LoadTruth(filepath.Join("devset", "truth.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tr.Clips {
		if strings.HasPrefix(c.File, "$") {
			continue // outside the repository (make deps extracts vtest)
		}
		if _, err := os.Stat(ClipPath("devset", c.File)); err != nil {
			t.Errorf("clip %s: %v", c.File, err)
		}
		if _, err := loadRules(tr.Path(c.Rules)); err != nil {
			t.Errorf("clip %s: %v", c.File, err)
		}
	}
}

// FuzzParseTruth feeds truth files of any shape: a bad one is an error,
// never a panic.
func FuzzParseTruth(f *testing.F) {
	for _, seed := range []string{
		"rules: r.yaml\nclips:\n  - file: a.mp4\n    events: [{kind: fire, from: 1s, to: 2s}]\n",
		"clips: []\n", "clips: [{file: a, events: [{kind: x, from: -1s}]}]\n", "- a\n", "", "tolerance: 1h\nclips: {a: b}\n",
		"rules: r\nclips:\n  - &c {file: a}\n  - *c\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTruth("fuzz.yaml", data)
		if err == nil && len(tr.Clips) == 0 {
			t.Fatal("a truth file without clips was accepted")
		}
	})
}

// TestRunMissingClip checks that a clip missing from the folder stops the
// run before anything is played, naming the clip.
func TestRunMissingClip(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(repoRoot(), "configs", "rules", "hillside.yaml")
	tr, err := ParseTruth(filepath.Join(dir, "truth.yaml"), []byte("rules: "+rules+"\nclips:\n  - file: gone.mp4\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(t.Context(), Options{Dir: dir, Truth: tr})
	if err == nil || !strings.Contains(err.Error(), "clip gone.mp4") {
		t.Fatalf("err = %v, want one naming clip gone.mp4", err)
	}
}
