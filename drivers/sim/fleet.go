package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Fleet is a fleet file: the cameras and drones one simulator serves.
type Fleet struct {
	// File is the name errors are reported against.
	File string `yaml:"-"`
	// Cameras are served one each.
	Cameras []FleetCamera `yaml:"cameras"`
	// Clones are groups of identical cameras for benchmarks.
	Clones []FleetClone `yaml:"clones"`
	// Drones are simulated MAVLink drones, each with a camera feed.
	Drones []FleetDrone `yaml:"drones"`
}

// FleetCamera is one camera of a fleet file.
type FleetCamera struct {
	// Path is the RTSP path, e.g. riverside-bridge/main.
	Path string `yaml:"path"`
	// Scene is the scene kind: empty, people, fire, smoke, black, bench, loiter.
	Scene Kind `yaml:"scene"`
	// Codec is h264 (default) or h265.
	Codec Codec `yaml:"codec"`
	// Width and Height are the picture size (default by scene).
	Width  int `yaml:"width"`
	Height int `yaml:"height"`
	// FPS is the frame rate (default 15).
	FPS int `yaml:"fps"`
	// BitrateKbps is the target bitrate.
	BitrateKbps int `yaml:"bitrate_kbps"`
	// GOP is the keyframe interval, e.g. 2s.
	GOP Duration `yaml:"gop"`
	// Duration is the loop length, e.g. 20s.
	Duration Duration `yaml:"duration"`
	// Inband leaves the parameter sets out of the SDP.
	Inband bool `yaml:"inband"`
	// Username is required from readers, with the password below.
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable holding the password;
	// passwords are never written inline. Unset, the camera is refused.
	PasswordEnv string `yaml:"password_env"`
	// Flap cycles the camera online and offline.
	Flap *FleetFlap `yaml:"flap"`
	// StallAfter stops the packets that long after start.
	StallAfter Duration `yaml:"stall_after"`
	// Corrupt is the fraction of picture NAL units broken.
	Corrupt float64 `yaml:"corrupt"`

	line  int
	lines map[string]int // line of each key
}

// FleetFlap is the flap behaviour in a fleet file.
type FleetFlap struct {
	// Online is how long the camera serves, e.g. 20s.
	Online Duration `yaml:"online"`
	// Offline is how long it is gone, e.g. 8s.
	Offline Duration `yaml:"offline"`
}

// FleetClone is Count cameras Prefix/0 … Prefix/Count-1 sharing one scene.
type FleetClone struct {
	// Prefix names the clones (default "bench").
	Prefix string `yaml:"prefix"`
	// Count is how many clones.
	Count int `yaml:"count"`
	// FleetCamera is the clones' camera, without a path.
	FleetCamera `yaml:",inline"`
}

// Duration is a time.Duration written "500ms", "20s" or "1m" in YAML.
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: duration %q: want e.g. 500ms, 20s or 1m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// LoadFleet reads and checks a fleet file.
func LoadFleet(name string) (*Fleet, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	return ParseFleet(name, data)
}

// ParseFleet parses and checks a fleet file's content; errors read
// "name:line: problem". Unknown keys are errors.
func ParseFleet(name string, data []byte) (*Fleet, error) {
	f := &Fleet{File: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return nil, f.yamlError(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, f.yamlError(err)
	}
	f.findLines(&doc)
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

var yamlLine = regexp.MustCompile(`line (\d+): `)

// yamlError rewrites yaml.v3's "line N: …" into "file:N: …", one line per
// problem.
func (f *Fleet) yamlError(err error) error {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var errs []error
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			errs = append(errs, fmt.Errorf("%s:%s: %s", f.File, sub[1], yamlLine.ReplaceAllString(m, "")))
		} else {
			errs = append(errs, fmt.Errorf("%s: %s", f.File, m))
		}
	}
	return errors.Join(errs...)
}

// findLines notes where each camera and clone, and each of their keys,
// stands in the file.
func (f *Fleet) findLines(doc *yaml.Node) {
	if len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		items := root.Content[i+1].Content
		switch root.Content[i].Value {
		case "cameras":
			for j := range min(len(items), len(f.Cameras)) {
				f.Cameras[j].setLines(items[j])
			}
		case "clones":
			for j := range min(len(items), len(f.Clones)) {
				f.Clones[j].setLines(items[j])
			}
		case "drones":
			for j := range min(len(items), len(f.Drones)) {
				f.Drones[j].setLines(items[j])
			}
		}
	}
}

func (c *FleetCamera) setLines(n *yaml.Node) {
	c.line, c.lines = n.Line, map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		c.lines[n.Content[i].Value] = n.Content[i].Line
	}
}

// at returns "file:line" of a key of the camera, or of the camera.
func (c *FleetCamera) at(file, key string) string {
	if l, ok := c.lines[key]; ok {
		return file + ":" + strconv.Itoa(l)
	}
	return file + ":" + strconv.Itoa(c.line)
}

func (f *Fleet) check() error {
	if len(f.Cameras) == 0 && len(f.Clones) == 0 && len(f.Drones) == 0 {
		return fmt.Errorf("%s: no cameras, no clones and no drones", f.File)
	}
	seen := map[string]string{}
	claim := func(path, at string) error {
		if prev, ok := seen[path]; ok {
			return fmt.Errorf("%s: path %q already used at %s", at, path, prev)
		}
		seen[path] = at
		return nil
	}
	var errs []error
	for i := range f.Cameras {
		c := &f.Cameras[i]
		errs = append(errs, c.check(f.File), claim(c.Path, c.at(f.File, "path")))
	}
	for i := range f.Clones {
		c := &f.Clones[i]
		errs = append(errs, c.check(f.File))
		for _, p := range c.paths() {
			if err := claim(p, c.at(f.File, "count")); err != nil {
				errs = append(errs, err)
				break
			}
		}
	}
	errs = append(errs, f.checkDrones(claim)...)
	return errors.Join(errs...)
}

func (c *FleetCamera) check(file string) error {
	switch {
	case c.Scene == "":
		return fmt.Errorf("%s: camera %q: scene missing", c.at(file, "scene"), c.Path)
	case c.PasswordEnv != "" && c.Username == "":
		return fmt.Errorf("%s: camera %q: password_env without username", c.at(file, "password_env"), c.Path)
	case c.Username != "" && c.PasswordEnv == "":
		return fmt.Errorf("%s: camera %q: username needs password_env (passwords are never inline)", c.at(file, "username"), c.Path)
	}
	probe := c.camera()
	probe.Pass = "" // credentials are resolved later; the rest must hold now
	if probe.User != "" {
		probe.Pass = "x"
	}
	if err := probe.Validate(); err != nil {
		return fmt.Errorf("%s: camera %q: %w", c.at(file, ""), c.Path, err)
	}
	return nil
}

func (c *FleetClone) check(file string) error {
	if c.Path != "" {
		return fmt.Errorf("%s: clones take a prefix, not a path", c.at(file, "path"))
	}
	if c.Count < 1 || c.Count > 100000 {
		return fmt.Errorf("%s: count %d: want 1..100000", c.at(file, "count"), c.Count)
	}
	fc := c.FleetCamera
	fc.Path = c.prefix() + "/0"
	return fc.check(file)
}

func (c *FleetClone) prefix() string {
	if c.Prefix == "" {
		return "bench"
	}
	return c.Prefix
}

func (c *FleetClone) paths() []string {
	out := make([]string, c.Count)
	for i := range out {
		out[i] = c.prefix() + "/" + strconv.Itoa(i)
	}
	return out
}

// camera returns the Camera a fleet entry describes, credentials aside.
func (c *FleetCamera) camera() Camera {
	cam := Camera{
		Path: c.Path,
		Scene: SceneSpec{Kind: c.Scene, Codec: c.Codec, Width: c.Width, Height: c.Height, FPS: c.FPS,
			BitrateKbps: c.BitrateKbps, GOP: time.Duration(c.GOP), Duration: time.Duration(c.Duration)},
		User:       c.Username,
		Inband:     c.Inband,
		StallAfter: time.Duration(c.StallAfter),
		Corrupt:    c.Corrupt,
	}
	if c.Flap != nil {
		cam.Flap = &Flap{Online: time.Duration(c.Flap.Online), Offline: time.Duration(c.Flap.Offline)}
	}
	return cam
}

// Resolve returns the fleet's cameras with their passwords read through
// getenv (os.LookupEnv in the command). A camera whose password variable
// is unset or empty is refused, never served without a password: the
// refusals say which and why.
func (f *Fleet) Resolve(getenv func(string) (string, bool)) (cams []Camera, refused []error) {
	add := func(fc *FleetCamera) {
		cam := fc.camera()
		if fc.PasswordEnv != "" {
			pass, ok := getenv(fc.PasswordEnv)
			if !ok || pass == "" {
				refused = append(refused, fmt.Errorf("camera %s: refused: environment variable %s (password of user %s) is not set",
					fc.Path, fc.PasswordEnv, fc.Username))
				return
			}
			cam.Pass = pass
		}
		cams = append(cams, cam)
	}
	for i := range f.Cameras {
		add(&f.Cameras[i])
	}
	for i := range f.Clones {
		for _, p := range f.Clones[i].paths() {
			fc := f.Clones[i].FleetCamera
			fc.Path = p
			add(&fc)
		}
	}
	return cams, refused
}
