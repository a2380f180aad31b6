package ruleset

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestImpliedMotion: a block listing fire, smoke or objects (which run
// only where motion is seen) without motion implies motion and gets a
// note naming the line of its detectors and the gated detectors; a block
// with motion, or with nothing gated, gets none. The set is accepted.
func TestImpliedMotion(t *testing.T) {
	head := "site: s1\nversion: 1\ncameras:\n  \"*\":\n    detectors:\n"
	for _, tc := range []struct {
		name, detectors string
		implied         bool
		note            string // "" when none
	}{
		{"fire, smoke and health", "      fire: {}\n      smoke: {}\n      health: {}\n", true, "s1.yaml:5: cameras.*.detectors: fire, smoke run only where motion is seen"},
		{"objects alone", "      objects: {model: fastestdet}\n", true, "s1.yaml:5: cameras.*.detectors: objects run only"},
		{"flow style", "      {fire: {}, objects: {}}\n", true, "s1.yaml:5: cameras.*.detectors: fire, objects run only"},
		{"with motion", "      motion: {}\n      fire: {}\n", false, ""},
		{"health alone", "      health: {}\n", false, ""},
		{"motion alone", "      motion: {threshold: 20}\n", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse("s1.yaml", []byte(head+tc.detectors), registered)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got := d.Cameras[Default].ImpliesMotion(); got != tc.implied {
				t.Errorf("ImpliesMotion %v, want %v", got, tc.implied)
			}
			notes := d.Notes()
			switch {
			case tc.note == "" && len(notes) > 0:
				t.Errorf("notes %v, want none", notes)
			case tc.note != "" && (len(notes) != 1 || !strings.HasPrefix(notes[0].String(), tc.note) ||
				!strings.Contains(notes[0].Msg, "motion is implied")):
				t.Errorf("notes %v, want one starting %q", notes, tc.note)
			}
		})
	}
}

// TestImpliedMotionInAFile: loaded from a rules folder, each block's note
// names the file and the line of that block's detectors; a block with
// its own motion detector has none.
func TestImpliedMotionInAFile(t *testing.T) {
	docs, err := LoadDir("testdata/implied", registered)
	if err != nil {
		t.Fatal(err)
	}
	d := docs["hillside"]
	notes := d.Notes()
	want := filepath.Join("testdata/implied", "hillside.yaml") + ":7: cameras.*.detectors: fire, smoke run only where motion is seen"
	if len(notes) != 1 || !strings.HasPrefix(notes[0].String(), want) {
		t.Fatalf("notes %v, want one starting %q", notes, want)
	}
	if d.Cameras["hillside-gate"].ImpliesMotion() {
		t.Error("a block with motion implies it")
	}
}
