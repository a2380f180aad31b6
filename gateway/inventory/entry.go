package inventory

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// Defaults of an entry's optional keys.
const (
	// DefaultWeight is an ordinary camera's share of an edge's capacity.
	DefaultWeight = 1.0
	// MaxWeight bounds a weight: a camera heavier than a hundred ordinary
	// ones is a mistake in the file, not a camera.
	MaxWeight = 100.0
)

// Entry is one camera as written in a YAML import or an API body: the keys
// of a camera in the edge config, plus the inventory's pin and weight.
type Entry struct {
	ID          string            `yaml:"id"`
	Site        string            `yaml:"site"`
	Name        string            `yaml:"name"`
	Main        string            `yaml:"main"`
	Sub         string            `yaml:"sub"`
	Transport   string            `yaml:"transport"`
	Username    string            `yaml:"username"`
	UsernameEnv string            `yaml:"username_env"`
	PasswordEnv string            `yaml:"password_env"`
	Location    *configs.Location `yaml:"location"`
	// View is what the camera sees (optional; needs location): fire
	// seen by cameras whose views overlap is one incident.
	View *View `yaml:"view"`
	// PowerArea names the power supply area the camera hangs on (optional):
	// an outage counts the cameras of one power area and names it.
	PowerArea string `yaml:"power_area"`
	// Pin names the edge that must pull the camera (the edge beside a
	// drone's dock); empty lets the fleet place it.
	Pin string `yaml:"pin"`
	// Weight is the camera's share of an edge's capacity (default 1).
	Weight *float64 `yaml:"weight"`
	// Disabled keeps the camera registered without anyone pulling it.
	Disabled bool `yaml:"disabled"`
}

// View is a camera's view on the ground in an entry.
type View struct {
	Heading float64 `yaml:"heading"` // degrees clockwise from north, [0, 360)
	FOV     float64 `yaml:"fov"`     // degrees, (0, 360]
	Range   float64 `yaml:"range_m"` // metres, (0, MaxViewRange]
}

// MaxViewRange bounds a view's range in metres: no camera makes out a
// fire farther than this.
const MaxViewRange = 20000

// camera is the entry as the edge config's camera, with the default
// transport applied as the edge's loader applies it.
func (e Entry) camera() configs.Camera {
	t := e.Transport
	if t == "" {
		t = configs.DefaultTransport
	}
	return configs.Camera{ID: e.ID, Site: e.Site, Name: e.Name, Main: e.Main, Sub: e.Sub, Transport: t,
		Username: e.Username, UsernameEnv: e.UsernameEnv, PasswordEnv: e.PasswordEnv, Location: e.Location,
		Disabled: e.Disabled}
}

// Camera is the entry as the store files it, defaults applied.
func (e Entry) Camera() store.Camera {
	c := e.camera()
	out := store.Camera{ID: c.ID, Site: c.Site, Name: c.Name, Main: c.Main, Sub: c.Sub, Transport: c.Transport,
		Username: c.Username, UsernameEnv: c.UsernameEnv, PasswordEnv: c.PasswordEnv, Pin: e.Pin,
		Weight: DefaultWeight, Disabled: c.Disabled, PowerArea: e.PowerArea}
	if e.View != nil {
		out.View = &store.CameraView{Heading: e.View.Heading, FOV: e.View.FOV, Range: e.View.Range}
	}
	if e.Weight != nil {
		out.Weight = *e.Weight
	}
	if l := c.Location; l != nil {
		out.Location = &bus.Geo{Lat: l.Lat, Lon: l.Lon, Alt: l.Alt}
	}
	return out
}

// EntryOf is a stored camera as an entry: what an edit form starts from.
func EntryOf(c store.Camera) Entry {
	e := Entry{ID: c.ID, Site: c.Site, Name: c.Name, Main: c.Main, Sub: c.Sub, Transport: c.Transport,
		Username: c.Username, UsernameEnv: c.UsernameEnv, PasswordEnv: c.PasswordEnv, Pin: c.Pin,
		Weight: &c.Weight, Disabled: c.Disabled, PowerArea: c.PowerArea}
	if c.View != nil {
		e.View = &View{Heading: c.View.Heading, FOV: c.View.FOV, Range: c.View.Range}
	}
	if c.Location != nil {
		e.Location = &configs.Location{Lat: c.Location.Lat, Lon: c.Location.Lon, Alt: c.Location.Alt}
	}
	return e
}

// check records every rule the entry breaks at fields under path: the edge
// config's (configs.CheckCamera, shared, not copied) and the inventory's.
func check(ps *strict.Problems, path string, e Entry) {
	at := func(field string) string { return strict.Child(path, field) }
	configs.CheckCamera(ps, path, e.camera())
	if e.Site == "" {
		ps.Add(at("site"), "is required")
	} else {
		configs.CheckID(ps, at("site"), e.Site)
	}
	if e.Pin != "" {
		configs.CheckID(ps, at("pin"), e.Pin)
	}
	if w := e.Weight; w != nil && !(*w > 0 && *w <= MaxWeight) {
		ps.Add(at("weight"), fmt.Sprintf("%g is not in (0, %g]", *w, MaxWeight))
	}
	checkText(ps, at("name"), e.Name)
	checkText(ps, at("username"), e.Username)
	if e.PowerArea != "" {
		configs.CheckID(ps, at("power_area"), e.PowerArea)
	}
	checkView(ps, at("view"), e)
}

// checkView refuses a view out of its ranges or without a location.
func checkView(ps *strict.Problems, path string, e Entry) {
	v := e.View
	if v == nil {
		return
	}
	if e.Location == nil {
		ps.Add(path, "needs the camera's location")
	}
	if !(v.Heading >= 0 && v.Heading < 360) {
		ps.Add(strict.Child(path, "heading"), fmt.Sprintf("%g is not in [0, 360)", v.Heading))
	}
	if !(v.FOV > 0 && v.FOV <= 360) {
		ps.Add(strict.Child(path, "fov"), fmt.Sprintf("%g is not in (0, 360]", v.FOV))
	}
	if !(v.Range > 0 && v.Range <= MaxViewRange) {
		ps.Add(strict.Child(path, "range_m"), fmt.Sprintf("%g is not in (0, %d]", v.Range, MaxViewRange))
	}
}

// checkText refuses free text that a spreadsheet would run as a formula
// when the inventory is exported and opened (CSV injection), and control
// characters, which no name needs and which break logs and exports.
func checkText(ps *strict.Problems, field, v string) {
	if v == "" {
		return
	}
	if strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		ps.Add(field, fmt.Sprintf("starts with %q: spreadsheets run such a value as a formula (CSV injection); reword it", v[:1]))
		return
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		ps.Add(field, "holds a control character")
		return
	}
	if len(v) > 200 {
		ps.Add(field, "is longer than 200 bytes")
	}
}
