// Package health watches a camera's picture for faults rather than
// events: a frozen image (frames keep arriving, the pixels never change),
// a covered or blacked-out lens, and tampering (the scene suddenly is
// another one: the camera was turned, moved or masked). It works on the
// downscaled luma only, so it runs in idle mode on keyframes too, and it
// registers as "health", emitting Kind camera_frozen, camera_covered and
// camera_tampered with the whole frame as Box, on every frame while the
// fault lasts. It imports edge/detect, edge/frame and gocv.
//
// How each is told, and what fools it:
//   - frozen: not a single luma level changes in the unmasked picture for
//     FrozenAfter. Real sensors add noise to every frame, so a live static
//     scene still changes; a static scene that an encoder codes as
//     all-skip frames could look frozen, hence the long default. Mask an
//     on-screen clock, or it keeps a frozen feed alive.
//   - covered: the picture is dark and flat (mean below CoveredMean and
//     spread below CoveredSpread) or flat at any brightness (spread below
//     FlatSpread: paint, a bag, a lens cap lit by IR) for CoveredAfter. A
//     night scene with no light at all looks covered too.
//   - tampered: the view changed and STAYED changed: the edge map of the
//     picture no longer correlates with that of a slowly learnt reference
//     (correlation below TamperBelow), and the new view has held still
//     (its edge map correlating at SettleAbove or more with itself as
//     learnt over the last second) for TamperAfter. Edge maps compared by normalised correlation ignore
//     brightness: lights, exposure following a car, a cloud. Something
//     passing (a car, a person, a hand) does not hold still in front of
//     the camera for long, and takes the change away when it goes. A
//     camera whose picture changed from frame to frame for longer than
//     MaxTurn over about the last minute (longer than a hand takes to turn
//     a camera) moves by itself: a handheld, a
//     PTZ on patrol, a drone drifting. It is then judged as a moving
//     camera for SeenMoving, as is one declared moving (Settings.Moving):
//     no tamper at all, since its view is its own to change, while frozen
//     and covered are told as for any camera. After RelearnAfter the new
//     view becomes the reference (the alarm was raised; a repositioned
//     camera must not ring forever).
package health

import (
	"fmt"
	"image"
	"math"
	"time"

	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/picture"
	"github.com/argus-edge/argus/edge/frame"
)

// Name is the registered name.
const Name = "health"

// Width is the widest picture analysed.
const Width = 160

func init() {
	detect.Register(Name, func(s detect.Settings) (detect.Detector, error) { return New(s, DefaultConfig()) })
}

// Config are the health detector's thresholds and durations.
type Config struct {
	// FrozenAfter is how long the picture must not change at all.
	FrozenAfter time.Duration
	// CoveredAfter is how long the picture must stay dark and flat.
	CoveredAfter time.Duration
	// CoveredMean and CoveredSpread bound a dark, flat picture's mean and
	// standard deviation (luma levels).
	CoveredMean, CoveredSpread float64
	// FlatSpread is the standard deviation under which any picture is a
	// covered lens.
	FlatSpread float64
	// TamperBelow is the edge-map correlation under which the scene is
	// another one.
	TamperBelow float64
	// SettleAbove is the correlation of the changed view with itself
	// over which it is holding still.
	SettleAbove float64
	// TamperAfter is how long the changed view must hold still.
	TamperAfter time.Duration
	// MaxTurn is the longest a view may keep changing (over about a
	// minute) and still be a camera turned by a hand; longer, the camera
	// moves by itself.
	MaxTurn time.Duration
	// SeenMoving is how long a camera seen moving by itself is judged as
	// a moving camera.
	SeenMoving time.Duration
	// Learn is the reference's time constant.
	Learn time.Duration
	// RelearnAfter is when a changed scene becomes the reference.
	RelearnAfter time.Duration
}

// DefaultConfig is what the registered detector uses.
func DefaultConfig() Config {
	return Config{
		FrozenAfter: 10 * time.Second, CoveredAfter: 2 * time.Second,
		CoveredMean: 30, CoveredSpread: 8, FlatSpread: 3,
		TamperBelow: 0.5, SettleAbove: 0.5, TamperAfter: 5 * time.Second,
		MaxTurn: 6 * time.Second, SeenMoving: 10 * time.Minute,
		Learn: 30 * time.Second, RelearnAfter: 2 * time.Minute,
	}
}

// Detector is the health detector of one camera.
type Detector struct {
	cfg   Config
	masks []detect.Polygon

	size  image.Point // zero until the first frame
	mask  []byte
	small gocv.Mat
	cur   []byte
	prev  []byte
	ref   []float32 // slowly learnt reference luma
	gCur  []float32 // edge maps
	gRef  []float32
	last  time.Time

	moving bool      // declared moving
	gView  []float32 // edge map of the changed view, while it changes
	// changedSince is when the view left the reference (zero: it has
	// not), settledSince when it last changed since.
	changedSince, settledSince time.Time
	movingUntil                time.Time // judged moving by itself until then
	gPrev                      []float32 // the last frame's edge map
	hasPrev                    bool      // whether gPrev holds one
	unsettled                  float64   // seconds of own motion, fading over unsettledTau

	frozenSince, coveredSince time.Time
}

// New makes a health detector; it reads s.Masks (areas ignored, e.g. an
// on-screen clock).
func New(s detect.Settings, c Config) (*Detector, error) {
	if c.FrozenAfter <= 0 || c.CoveredAfter <= 0 || c.TamperAfter <= 0 || c.Learn <= 0 || c.RelearnAfter <= 0 ||
		c.MaxTurn <= 0 || c.SeenMoving <= 0 {
		return nil, fmt.Errorf("health: durations must be positive: %+v", c)
	}
	return &Detector{cfg: c, masks: s.Masks, small: gocv.NewMat(), moving: s.Moving}, nil
}

// SmallPicture is true: the frame's small picture is all it needs.
func (d *Detector) SmallPicture() bool { return true }

// Name is "health".
func (d *Detector) Name() string { return Name }

// Close frees the detector's Mat; idempotent.
func (d *Detector) Close() error {
	if d.small.Ptr() != nil {
		d.small.Close()
	}
	return nil
}

// whole is the box of frame-wide kinds.
var whole = detect.Box{W: 1, H: 1}

// Detect checks f against the camera's recent pictures; regions is
// ignored. Frames are timed by f.Time (the wall clock when zero).
func (d *Detector) Detect(f *frame.Frame, _ []detect.Box) ([]detect.Detection, error) {
	sz, err := d.shrink(f)
	if err != nil {
		return nil, fmt.Errorf("health: %w", err)
	}
	d.prev, d.cur = d.cur, d.prev
	if d.cur, err = picture.Bytes(d.small, d.cur); err != nil {
		return nil, fmt.Errorf("health: %w", err)
	}
	now := f.Time
	if now.IsZero() {
		now = time.Now()
	}
	if sz != d.size {
		d.start(sz, now)
		return nil, nil
	}
	dt := now.Sub(d.last)
	d.last = now

	var out []detect.Detection
	if !d.changed() {
		if since(&d.frozenSince, now) >= d.cfg.FrozenAfter {
			out = append(out, detect.Detection{Kind: detect.CameraFrozen, Label: "frozen", Score: 1, Box: whole})
		}
	} else {
		d.frozenSince = time.Time{}
	}
	mean, spread := d.stats()
	covered := spread < d.cfg.FlatSpread || (mean < d.cfg.CoveredMean && spread < d.cfg.CoveredSpread)
	if covered {
		if since(&d.coveredSince, now) >= d.cfg.CoveredAfter {
			out = append(out, detect.Detection{Kind: detect.CameraCovered, Label: "covered",
				Score: math.Max(0.5, 1-spread/(2*d.cfg.CoveredSpread)), Box: whole})
		}
		// A covered lens says nothing about the scene: the reference
		// is neither compared nor updated.
		d.changedSince = time.Time{}
		return out, nil
	}
	d.coveredSince = time.Time{}
	if t := d.tampered(now, dt); t != nil {
		out = append(out, *t)
	}
	return out, nil
}

// tampered compares the picture with the reference and tells a view
// that changed and stays changed; it learns the reference while the view
// is the same.
func (d *Detector) tampered(now time.Time, dt time.Duration) *detect.Detection {
	sz := d.size
	if d.moving || now.Before(d.movingUntil) {
		// A moving camera's view is its own to change: the reference
		// follows it, ready for when it holds still again.
		d.adopt()
		d.changedSince = time.Time{}
		return nil
	}
	d.gPrev, d.gCur = d.gCur, d.gPrev
	edges(d.cur, sz.X, sz.Y, d.gCur)
	if d.seenMoving(now, dt) {
		d.adopt()
		d.changedSince = time.Time{}
		return nil
	}
	edges32(d.ref, sz.X, sz.Y, d.gRef)
	corr := correlation(d.gCur, d.gRef, d.mask)
	if corr >= d.cfg.TamperBelow {
		d.changedSince = time.Time{}
		d.learn(dt)
		return nil
	}
	if d.changedSince.IsZero() {
		d.changedSince, d.settledSince = now, now
		copy(d.gView, d.gCur)
		return nil
	}
	if correlation(d.gCur, d.gView, d.mask) < d.cfg.SettleAbove {
		// Still changing: a camera being turned, or one that moves.
		copy(d.gView, d.gCur)
		d.settledSince = now
		return nil
	}
	// The new view is learnt over a second: people walking in it do not
	// unsettle it.
	a := float32(math.Min(1, math.Max(0, dt.Seconds())))
	for i, v := range d.gCur {
		d.gView[i] += a * (v - d.gView[i])
	}
	held := now.Sub(d.settledSince)
	if held >= d.cfg.RelearnAfter {
		d.adopt()
		d.changedSince = time.Time{}
	}
	if held < d.cfg.TamperAfter {
		return nil
	}
	return &detect.Detection{Kind: detect.CameraTampered, Label: "scene changed",
		Score: math.Min(1, math.Max(0.5, 1-corr)), Box: whole}
}

// seenMoving tells whether the camera moves by itself: its picture
// changed from one frame to the next (edge maps correlating below
// SettleAbove) for more than MaxTurn over about the last minute. It then
// counts as moving for SeenMoving.
func (d *Detector) seenMoving(now time.Time, dt time.Duration) bool {
	d.unsettled *= math.Exp(-dt.Seconds() / unsettledTau.Seconds())
	if d.hasPrev && correlation(d.gCur, d.gPrev, d.mask) < d.cfg.SettleAbove {
		d.unsettled += dt.Seconds()
	}
	d.hasPrev = true
	if d.unsettled > d.cfg.MaxTurn.Seconds() {
		d.movingUntil = now.Add(d.cfg.SeenMoving)
		d.unsettled = 0
	}
	return now.Before(d.movingUntil)
}

// unsettledTau is how long the camera's own motion is remembered.
const unsettledTau = time.Minute

// shrink makes d.small, at most Width wide, from the frame's small luma
// when it has one (a quarter of the pixels to go through), else from its
// full luma.
func (d *Detector) shrink(f *frame.Frame) (image.Point, error) {
	if err := picture.Check(f); err != nil {
		return image.Point{}, err
	}
	var g gocv.Mat
	var err error
	sz := picture.Fit(f.Width, f.Height, Width)
	if f.Small.Gray != nil {
		g, err = picture.SmallGray(f)
		sz = picture.Fit(f.Small.Width, f.Small.Height, Width)
	} else {
		g, err = picture.Gray(f)
	}
	if err != nil {
		return image.Point{}, err
	}
	defer g.Close()
	return sz, picture.Shrink(g, &d.small, sz)
}

// start begins again at a new size.
func (d *Detector) start(s image.Point, now time.Time) {
	d.size, d.last = s, now
	d.mask = picture.Mask(d.masks, s.X, s.Y)
	n := s.X * s.Y
	d.ref, d.gCur, d.gRef, d.gView = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	d.gPrev, d.hasPrev, d.unsettled = make([]float32, n), false, 0
	d.adopt()
	d.prev = append(d.prev[:0], d.cur...)
	d.frozenSince, d.coveredSince, d.changedSince = time.Time{}, time.Time{}, time.Time{}
}

// adopt makes the current picture the reference.
func (d *Detector) adopt() {
	for i, v := range d.cur {
		d.ref[i] = float32(v)
	}
}

// learn moves the reference towards the picture with time constant Learn.
func (d *Detector) learn(dt time.Duration) {
	a := float32(math.Min(1, math.Max(0, dt.Seconds()/d.cfg.Learn.Seconds())))
	for i, v := range d.cur {
		d.ref[i] += a * (float32(v) - d.ref[i])
	}
}

// changed tells whether any unmasked pixel differs from the last frame.
func (d *Detector) changed() bool {
	for i, v := range d.cur {
		if v != d.prev[i] && (d.mask == nil || d.mask[i] == 0) {
			return true
		}
	}
	return false
}

// stats are the mean and standard deviation of the unmasked picture.
func (d *Detector) stats() (mean, spread float64) {
	var sum, sq float64
	n := 0
	for i, v := range d.cur {
		if d.mask != nil && d.mask[i] != 0 {
			continue
		}
		x := float64(v)
		sum += x
		sq += x * x
		n++
	}
	if n == 0 {
		return 0, 0
	}
	mean = sum / float64(n)
	return mean, math.Sqrt(math.Max(0, sq/float64(n)-mean*mean))
}

// since starts a timer at now if it is not running and returns how long
// it has run.
func since(t *time.Time, now time.Time) time.Duration {
	if t.IsZero() {
		*t = now
	}
	return now.Sub(*t)
}
