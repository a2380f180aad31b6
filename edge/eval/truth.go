package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
)

// Default tolerances of a truth file that sets none.
const (
	// DefaultTolerance is how long after an interval's end an anomaly
	// that starts still catches it: rules start an anomaly only after
	// min_duration of matching frames.
	DefaultTolerance = 5 * time.Second
	// DefaultEarly is how long before an interval's start an anomaly
	// still catches it: a hand annotation is good to about a second.
	DefaultEarly = time.Second
)

// Truth is a truth file: what each clip of a folder shows, and how it is
// to be watched.
type Truth struct {
	// Tolerance is how long after an interval an anomaly start still
	// catches it (default 5s).
	Tolerance strict.Duration `yaml:"tolerance"`
	// Early is how long before an interval an anomaly start still
	// catches it (default 1s).
	Early strict.Duration `yaml:"early"`
	// Rules is the default rule set file of the clips, relative to the
	// truth file.
	Rules string `yaml:"rules"`
	// Clips are the clips, in the order they are played.
	Clips []Clip `yaml:"clips"`

	// file is where the truth was read from, for relative paths.
	file string
}

// Clip is one clip of a truth file.
type Clip struct {
	// File is the clip, relative to the clips' folder; any file ffmpeg
	// reads.
	File string `yaml:"file"`
	// Rules is the rule set file run on the clip, relative to the truth
	// file (default: the truth file's rules).
	Rules string `yaml:"rules"`
	// Camera is the camera id the clip plays as: its block of the rule set
	// applies (or the "*" block). Default: the file name's stem.
	Camera string `yaml:"camera"`
	// Kinds are the anomaly kinds judged on the clip; default: every kind
	// a rule of the camera's block raises.
	Kinds []string `yaml:"kinds"`
	// Events are the intervals in which a kind is present.
	Events []Event `yaml:"events"`
	// Note says what the clip shows, for the report.
	Note string `yaml:"note"`
}

// Event is an interval of a clip in which a kind is present.
type Event struct {
	// Kind is an anomaly kind: fire, smoke, person, vehicle,
	// camera_tampered…
	Kind string `yaml:"kind"`
	// From and To bound the interval from the clip's start; To left out
	// runs to the clip's end.
	From strict.Duration `yaml:"from"`
	To   strict.Duration `yaml:"to"`
	// Note says what happens, for the report.
	Note string `yaml:"note"`
}

// LoadTruth reads and checks a truth file. Every problem comes back at
// once, naming the file, the line and the field.
func LoadTruth(path string) (*Truth, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("truth: %w", err)
	}
	return ParseTruth(path, data)
}

// ParseTruth decodes and checks a truth file's content; path names it in
// problems and anchors its relative paths.
func ParseTruth(path string, data []byte) (*Truth, error) {
	t := &Truth{file: path}
	ps := strict.Decode(path, data, t, strict.Root("a mapping with clips"), strict.Unit("truth"))
	if ps.Failed("") {
		return nil, ps.Err()
	}
	t.check(ps)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if t.Tolerance == 0 && !ps.Written("tolerance") {
		t.Tolerance = strict.Duration(DefaultTolerance)
	}
	if t.Early == 0 && !ps.Written("early") {
		t.Early = strict.Duration(DefaultEarly)
	}
	for i := range t.Clips {
		c := &t.Clips[i]
		if c.Camera == "" {
			c.Camera = cameraID(os.ExpandEnv(c.File))
		}
		if c.Rules == "" {
			c.Rules = t.Rules
		}
		sort.SliceStable(c.Events, func(a, b int) bool { return c.Events[a].From < c.Events[b].From })
	}
	return t, nil
}

// knownKinds are the kinds a clip's events may name: the bus's anomaly
// kinds and the rules' derived ones.
var knownKinds = []string{bus.KindMotion, bus.KindPerson, bus.KindVehicle, bus.KindFire, bus.KindSmoke,
	bus.KindCameraOffline, bus.KindCameraFrozen, bus.KindCameraCovered, bus.KindCameraTampered,
	bus.KindIntrusion, bus.KindLoitering, bus.KindLineCrossing}

func (t *Truth) check(ps *strict.Problems) {
	if t.Tolerance < 0 {
		ps.Add("tolerance", "must not be negative")
	}
	if t.Early < 0 {
		ps.Add("early", "must not be negative")
	}
	if len(t.Clips) == 0 {
		ps.Add("clips", "no clip: list at least one")
	}
	seen := map[string]string{}
	for i, c := range t.Clips {
		at := strict.Index("clips", i)
		if c.File == "" {
			ps.Add(strict.Child(at, "file"), "required: the clip's file, relative to the clips' folder")
		} else if prev, dup := seen[c.File]; dup {
			ps.Addf(strict.Child(at, "file"), "%s is listed twice (also at %s)", c.File, prev)
		} else {
			seen[c.File] = at
		}
		if c.Rules == "" && t.Rules == "" {
			ps.Add(strict.Child(at, "rules"), "required (here or at the top): the rule set file to run")
		}
		for j, k := range c.Kinds {
			if !slices.Contains(knownKinds, k) {
				ps.Addf(strict.Index(strict.Child(at, "kinds"), j), "%q is not a kind (%v)", k, knownKinds)
			}
		}
		for j, e := range c.Events {
			checkEvent(ps, strict.Index(strict.Child(at, "events"), j), e)
		}
	}
}

func checkEvent(ps *strict.Problems, at string, e Event) {
	if !slices.Contains(knownKinds, e.Kind) {
		ps.Addf(strict.Child(at, "kind"), "%q is not a kind (%v)", e.Kind, knownKinds)
	}
	if e.From < 0 {
		ps.Add(strict.Child(at, "from"), "must not be negative")
	}
	if e.To != 0 && e.To <= e.From {
		ps.Addf(strict.Child(at, "to"), "%s is not after from (%s)", e.To, e.From)
	}
}

// Path resolves a path written in the truth file (a rule set).
func (t *Truth) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(t.file), p)
}

// cameraID makes a camera id (a-z 0-9 _ -) of a clip file's stem.
func cameraID(file string) string {
	stem := filepath.Base(file)
	stem = stem[:len(stem)-len(filepath.Ext(stem))]
	b := []byte(stem)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "clip"
	}
	return string(b)
}
