package models

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Default is the model used when a camera's settings name none.
const Default = "yolox-nano"

// Card describes one model: where its file is, how to feed it and how to
// read its output.
type Card struct {
	// Name is the model's name, also its folder in the model directory.
	Name string `yaml:"name"`
	// Description says what the model is, in a line.
	Description string `yaml:"description"`
	// File is the model file, relative to the model directory.
	File string `yaml:"file"`
	// SHA256 is the hex digest the file must have.
	SHA256 string `yaml:"sha256"`
	// Size is the file size in bytes, for a quick check and the docs.
	Size int64 `yaml:"size"`
	// Licence is the SPDX id of the weights' licence.
	Licence string `yaml:"licence"`
	// LicenceFile is the licence text beside the model, relative to the
	// model directory.
	LicenceFile string `yaml:"licence_file"`
	// Upstream is where an operator downloads the file.
	Upstream string `yaml:"upstream"`
	// Labels are the class names, when given inline.
	Labels []string `yaml:"labels"`
	// LabelsFile is a file of class names, one a line, relative to the
	// model directory; used when Labels is empty.
	LabelsFile string `yaml:"labels_file"`
	// Input is the network's input size in pixels.
	Input Size `yaml:"input"`
	// Pre is how a picture becomes the network's input.
	Pre Preprocess `yaml:"preprocess"`
	// Post is how the network's output becomes boxes.
	Post Postprocess `yaml:"postprocess"`
}

// Size is a width and a height in pixels.
type Size struct {
	Width  int `yaml:"width"`
	Height int `yaml:"height"`
}

// Resize modes of Preprocess.
const (
	// Letterbox keeps the aspect ratio and pads bottom and right.
	Letterbox = "letterbox"
	// Stretch resizes to the input size, distorting the aspect ratio.
	Stretch = "stretch"
)

// Preprocess is how a picture is turned into the network's input blob.
type Preprocess struct {
	// Resize is Letterbox or Stretch.
	Resize string `yaml:"resize"`
	// Pad is the grey level of letterbox padding.
	Pad float64 `yaml:"pad"`
	// Order is the channel order the network wants: bgr or rgb.
	Order string `yaml:"order"`
	// Scale multiplies every pixel value (1/255 for 0..1 inputs).
	Scale float64 `yaml:"scale"`
	// Mean is subtracted per channel before scaling.
	Mean [3]float64 `yaml:"mean"`
}

// Decoders named by Postprocess.Kind.
const (
	// YOLOX reads [1, N, 5+classes] rows on stride grids.
	YOLOX = "yolox"
	// FastestDet reads a [1, 5+classes, H, W] map.
	FastestDet = "fastestdet"
)

// Postprocess is how the output is decoded.
type Postprocess struct {
	// Kind is YOLOX or FastestDet.
	Kind string `yaml:"kind"`
	// Strides are YOLOX's grid strides.
	Strides []int `yaml:"strides"`
	// Score is the default lowest score kept.
	Score float64 `yaml:"score"`
	// NMS is the IoU above which overlapping boxes of a class are merged.
	NMS float64 `yaml:"nms"`
}

//go:embed */card.yaml
var cardFiles embed.FS

// cards are the embedded cards by name, parsed once.
var cards = mustCards()

func mustCards() map[string]Card {
	out := map[string]Card{}
	files, err := fs.Glob(cardFiles, "*/card.yaml")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		b, err := cardFiles.ReadFile(f)
		if err != nil {
			panic(err)
		}
		c, err := ParseCard(b)
		if err != nil {
			panic(fmt.Sprintf("models: %s: %v", f, err))
		}
		if c.Name != path.Dir(f) {
			panic(fmt.Sprintf("models: %s: name %q is not its folder", f, c.Name))
		}
		out[c.Name] = c
	}
	return out
}

// ParseCard reads a card from YAML and checks it.
func ParseCard(b []byte) (Card, error) {
	var c Card
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Card{}, fmt.Errorf("model card: %w", err)
	}
	return c, c.check()
}

// check refuses a card that the loader could not follow.
func (c Card) check() error {
	var bad []string
	if c.Name == "" || c.File == "" {
		bad = append(bad, "name and file are required")
	}
	if len(c.SHA256) != 64 {
		bad = append(bad, "sha256 must be 64 hex digits")
	}
	if c.Input.Width < 16 || c.Input.Height < 16 || c.Input.Width > 4096 || c.Input.Height > 4096 {
		bad = append(bad, fmt.Sprintf("input %dx%d out of 16..4096", c.Input.Width, c.Input.Height))
	}
	if c.Pre.Resize != Letterbox && c.Pre.Resize != Stretch {
		bad = append(bad, fmt.Sprintf("preprocess.resize %q is not letterbox or stretch", c.Pre.Resize))
	}
	if c.Pre.Order != "bgr" && c.Pre.Order != "rgb" {
		bad = append(bad, fmt.Sprintf("preprocess.order %q is not bgr or rgb", c.Pre.Order))
	}
	if c.Pre.Scale <= 0 {
		bad = append(bad, "preprocess.scale must be > 0")
	}
	switch c.Post.Kind {
	case YOLOX:
		if len(c.Post.Strides) == 0 {
			bad = append(bad, "postprocess.strides are required for yolox")
		}
		for _, s := range c.Post.Strides {
			if s <= 0 || c.Input.Width%s != 0 || c.Input.Height%s != 0 {
				bad = append(bad, fmt.Sprintf("stride %d does not divide the input", s))
			}
		}
	case FastestDet:
	default:
		bad = append(bad, fmt.Sprintf("postprocess.kind %q is not yolox or fastestdet", c.Post.Kind))
	}
	if c.Post.Score <= 0 || c.Post.Score >= 1 || c.Post.NMS <= 0 || c.Post.NMS >= 1 {
		bad = append(bad, "postprocess.score and nms must be in (0, 1)")
	}
	if len(c.Labels) == 0 && c.LabelsFile == "" {
		bad = append(bad, "labels or labels_file is required")
	}
	if len(bad) > 0 {
		return fmt.Errorf("model card %q: %s", c.Name, strings.Join(bad, "; "))
	}
	return nil
}

// Lookup returns the card of the named model; "" means Default.
func Lookup(name string) (Card, error) {
	if name == "" {
		name = Default
	}
	c, ok := cards[name]
	if !ok {
		return Card{}, fmt.Errorf("unknown model %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return c, nil
}

// Names lists the models with a card, sorted.
func Names() []string {
	out := make([]string, 0, len(cards))
	for n := range cards {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// bySHA returns the card whose file has the digest, if any.
func bySHA(sum string) (Card, bool) {
	for _, c := range cards {
		if strings.EqualFold(c.SHA256, sum) {
			return c, true
		}
	}
	return Card{}, false
}
