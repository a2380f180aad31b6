// Package detect is the one interface every Argus detector satisfies, the
// registry that makes a detector by name (Frigate-style plugins: each lives
// in its own folder under edge/detect and registers itself), and the
// detection vocabulary the rules consume. It is pure Go: detectors that need
// OpenCV live in sub-packages.
package detect

import (
	"fmt"
	"sort"
	"sync"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/frame"
)

// Kinds of detection. They are anomaly kinds on MQTT too, so they are the
// contract's own (drivers/bus), named here for the detectors.
const (
	Motion         = bus.KindMotion
	Person         = bus.KindPerson
	Vehicle        = bus.KindVehicle
	Fire           = bus.KindFire
	Smoke          = bus.KindSmoke
	CameraOffline  = bus.KindCameraOffline
	CameraFrozen   = bus.KindCameraFrozen
	CameraCovered  = bus.KindCameraCovered
	CameraTampered = bus.KindCameraTampered
)

// Point is a position in a picture, both coordinates in 0..1 from the top
// left, so zones survive a change of resolution or a switch to the
// substream.
type Point struct{ X, Y float64 }

// Polygon is a closed area given by its corners.
type Polygon []Point

// Box is an axis-aligned rectangle in 0..1 coordinates.
type Box struct{ X, Y, W, H float64 }

// Detection is one thing a detector saw in one frame.
type Detection struct {
	// Kind is one of the kinds above.
	Kind string
	// Label is the model's own label (e.g. "car" for Kind vehicle).
	Label string
	// Score is the confidence, 0..1.
	Score float64
	// Box is where, in 0..1 coordinates; the whole frame for frame-wide
	// kinds (camera health).
	Box Box
}

// Detector looks at frames of one camera. Detectors keep state across
// frames (background models, flicker history), so each camera gets its own
// instance; heavy shared parts (a DNN) are shared inside the plugin.
type Detector interface {
	// Name is the registered name.
	Name() string
	// Detect returns what is in f. regions, when not nil, are the areas
	// where motion was seen: detectors that are costly per pixel may look
	// only there.
	Detect(f *frame.Frame, regions []Box) ([]Detection, error)
	// Close releases the detector's resources.
	Close() error
}

// SmallPicture is implemented by detectors that look at a frame's small
// picture (frame.Small) only: when all of a camera's detectors do, the
// decoder leaves the full-size BGR plane out.
type SmallPicture interface {
	// SmallPicture tells that the detector needs no full-size BGR plane.
	SmallPicture() bool
}

// FullBGR tells whether any of ds needs the full-size BGR plane.
func FullBGR(ds map[string]Detector) bool {
	for _, d := range ds {
		if s, ok := d.(SmallPicture); !ok || !s.SmallPicture() {
			return true
		}
	}
	return false
}

// Settings are the knobs an operator tunes per camera in a site's rules.
// Each detector reads the ones it needs and documents them.
type Settings struct {
	// Camera is the camera id, for logs.
	Camera string
	// Threshold is a detector-specific sensitivity (motion: per-pixel
	// luma difference 1..255).
	Threshold float64
	// MinArea is the smallest region, as a fraction of the frame, that
	// counts.
	MinArea float64
	// MinScore is the lowest confidence reported.
	MinScore float64
	// Masks are areas the detector ignores (a clock overlay, a tree).
	Masks []Polygon
	// Model names the model to use, for detectors that have several.
	Model string
	// ModelDir is where model files are found.
	ModelDir string
	// Moving is true for a camera that moves by design (a drone, a PTZ
	// on patrol, a handheld): detectors that compare the picture with a
	// fixed view judge it by rules that know it moves.
	Moving bool
}

// Factory makes a detector for one camera.
type Factory func(Settings) (Detector, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a detector available by name; plugins call it from init.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[name]; dup {
		panic("detect: detector registered twice: " + name)
	}
	factories[name] = f
}

// New makes the detector registered under name.
func New(name string, s Settings) (Detector, error) {
	mu.RLock()
	f, ok := factories[name]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown detector %q (registered: %v)", name, Names())
	}
	return f(s)
}

// Names lists the registered detectors, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(factories))
	for n := range factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
