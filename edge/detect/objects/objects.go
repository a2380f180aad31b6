// Package objects finds people and vehicles with a COCO ONNX detector run
// by OpenCV's DNN module, described by a model card (package models):
// YOLOX-nano by default, FastestDet when settings name it. It registers
// one detector, "objects", that emits Kind person (COCO person) and Kind
// vehicle (car, bus, truck, motorcycle; Label keeps the class): one
// forward pass yields both, so two detectors would pay for it twice; rules
// pick the kind they want.
//
// It looks at motion regions when given (grown by a margin; the model sees
// one crop bounding them all, since a forward costs the same whatever the
// crop, and small people gain resolution) and at the whole frame when
// regions is nil or covers most of it; an empty, non-nil regions means nothing moved and
// nothing is looked at. A crop the model would shrink by 1.3 or more is
// looked at again in two overlapping tiles when in doubt (closer.go,
// tiles.go), and vehicles the model still scores low
// are given a second look across frames while they move (second.go): cars
// seen from above score low at the scale of a frame. It uses BGR when the frame has it and the luma,
// replicated, in idle mode (lower recall). A model is vetted in a child
// process before this process loads it, and one loaded network is shared
// by all cameras, forwards taking turns.
//
// With no model installed it falls back, with one log line, to OpenCV's
// classic people detectors (HOG on motion regions, the Haar full-body
// cascade on whole frames): far lower recall, people only, no vehicles.
//
// Settings: Model (a card name, default yolox-nano), ModelDir (default
// models.DefaultDir), MinScore (default the card's score), Masks (boxes
// centred in a mask are dropped). It imports edge/detect, edge/frame,
// models, gocv and zerolog's global logger (for the fallback line).
package objects

import (
	"errors"
	"fmt"
	"image"
	"sync"

	"github.com/rs/zerolog/log"
	"gocv.io/x/gocv"

	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/detect/internal/picture"
	"github.com/argus-edge/argus/edge/frame"
	"github.com/argus-edge/argus/models"
)

// Name is the registered name.
const Name = "objects"

func init() {
	detect.Register(Name, func(s detect.Settings) (detect.Detector, error) { return New(s) })
}

// fallbackOnce logs the fallback once per process, not once per camera.
var fallbackOnce sync.Once

// Detector is the objects detector of one camera.
type Detector struct {
	camera   string
	minScore float32
	masks    []detect.Polygon
	net      *network // nil when falling back
	classic  *classic // nil with a model
	second   follower // the second look at moving vehicles scored low
	closer   closer   // when the crop was last looked at in tiles
	closed   bool
}

// New makes an objects detector: it finds, checks and vets the model of
// s.Model in s.ModelDir, or falls back to the classic detectors when the
// model is not installed. A model that is present but wrong (digest,
// refused by vetting) is an error: an operator installed it on purpose.
func New(s detect.Settings) (*Detector, error) {
	if s.MinScore < 0 || s.MinScore >= 1 {
		return nil, fmt.Errorf("objects: min_score %v out of 0..1", s.MinScore)
	}
	d := &Detector{camera: s.Camera, minScore: float32(s.MinScore), masks: s.Masks}
	m, err := models.Open(s.Model, s.ModelDir)
	switch {
	case errors.Is(err, models.ErrNotInstalled):
		fallbackOnce.Do(func() {
			log.Warn().Str("camera", s.Camera).Err(err).
				Msg("no model installed: falling back to classic detectors (lower recall)")
		})
		if d.classic, err = acquireClassic(); err != nil {
			return nil, fmt.Errorf("objects: %w", err)
		}
		return d, nil
	case err != nil:
		return nil, fmt.Errorf("objects: %w", err)
	}
	if d.minScore == 0 {
		d.minScore = float32(m.Post.Score)
	}
	if d.net, err = acquire(m); err != nil {
		return nil, fmt.Errorf("objects: %w", err)
	}
	return d, nil
}

// Name is "objects".
func (d *Detector) Name() string { return Name }

// Model is the model's name, or "classic" when falling back.
func (d *Detector) Model() string {
	if d.net == nil {
		return "classic"
	}
	return d.net.model.Name
}

// Close releases the shared network or classic detectors; idempotent.
func (d *Detector) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	if d.net != nil {
		d.net.release()
	}
	if d.classic != nil {
		d.classic.release()
	}
	return nil
}

// Detect returns the people and vehicles in f, looking at regions (see
// the package comment).
func (d *Detector) Detect(f *frame.Frame, regions []detect.Box) ([]detect.Detection, error) {
	if d.closed {
		return nil, errors.New("objects: detector closed")
	}
	if err := picture.Check(f); err != nil {
		return nil, fmt.Errorf("objects: %w", err)
	}
	if regions != nil && len(regions) == 0 {
		return nil, nil
	}
	crops, whole := plan(regions, f.Width, f.Height)
	if d.net == nil {
		cands, err := d.runClassic(f, crops, whole)
		if err != nil {
			return nil, fmt.Errorf("objects: camera %s: %w", d.camera, err)
		}
		return d.detections(nms(cands, d.iou()), f.Width, f.Height), nil
	}
	// A forward costs the same whatever the crop's size: one crop around
	// every region beats one forward per region. When the model shrinks
	// it much, the crop is looked at again in tiles where that may change
	// the answer (closer.go).
	c := d.net.model.Card
	crop, floor := bound(crops), min(d.minScore, lowScore)
	cands, err := d.runModel(f, []image.Rectangle{crop}, floor)
	if err != nil {
		return nil, fmt.Errorf("objects: camera %s: %w", d.camera, err)
	}
	var moving []image.Rectangle
	for _, b := range regions {
		moving = append(moving, picture.FromBox(b, f.Width, f.Height))
	}
	if ts := tiles(crop, image.Pt(c.Input.Width, c.Input.Height)); len(ts) > 1 {
		sure, _ := d.split(cands)
		if d.closer.due(f.Time, d.unsure(cands, moving), sure, moving) {
			more, err := d.runModel(f, ts, floor)
			if err != nil {
				return nil, fmt.Errorf("objects: camera %s: %w", d.camera, err)
			}
			d.closer.looked(f.Time, foundMore(more, cands))
			cands = append(cands, more...)
		}
	}
	strong, weak := d.split(nms(cands, d.iou()))
	if regions != nil {
		for _, c := range d.second.look(f.Time, weak, moving, d.minScore) {
			if !overlapsMuch(c.rect, strong) { // not one the model saw well already
				strong = append(strong, c)
			}
		}
	}
	return d.detections(strong, f.Width, f.Height), nil
}

// unsure tells whether the model saw a vehicle it scored below min_score
// (lowScore or more) on a moving region (anywhere on a whole-frame look):
// what a closer look may confirm. A parked car or a shape it hesitates on
// stays as it is, as in the second look.
func (d *Detector) unsure(cands []candidate, moving []image.Rectangle) bool {
	for _, c := range cands {
		if c.score < d.minScore && isVehicle(c.class, d.net.model.Labels) && (moving == nil || touches(c.rect, moving)) {
			return true
		}
	}
	return false
}

// touches tells whether r overlaps one of rs.
func touches(r image.Rectangle, rs []image.Rectangle) bool {
	for _, o := range rs {
		if r.Overlaps(o) {
			return true
		}
	}
	return false
}

// split parts candidates into those scoring min_score (strong) and the
// vehicles below it (weak, for the second look: one per place, whatever
// the vehicle class); the rest is dropped.
func (d *Detector) split(cands []candidate) (strong, weak []candidate) {
	for _, c := range cands { // best first
		switch {
		case c.score >= d.minScore:
			strong = append(strong, c)
		case isVehicle(c.class, d.net.model.Labels) && !overlapsMuch(c.rect, weak):
			weak = append(weak, c)
		}
	}
	return strong, weak
}

// overlapsMuch tells whether r overlaps one of cs by an IoU of 0.3 or more.
func overlapsMuch(r image.Rectangle, cs []candidate) bool {
	for _, o := range cs {
		if rectIoU(r, o.rect) >= 0.3 {
			return true
		}
	}
	return false
}

func (d *Detector) iou() float32 {
	if d.net != nil {
		return float32(d.net.model.Post.NMS)
	}
	return 0.45
}

// runModel forwards every crop through the shared network, keeping
// candidates scoring floor or more.
func (d *Detector) runModel(f *frame.Frame, crops []image.Rectangle, floor float32) ([]candidate, error) {
	img, err := picture.BGR(f)
	if errors.Is(err, picture.ErrNoBGR) {
		// Idle mode: the luma replicated into three channels.
		g, gerr := picture.Gray(f)
		if gerr != nil {
			return nil, gerr
		}
		defer g.Close()
		img = gocv.NewMat()
		gocv.CvtColor(g, &img, gocv.ColorGrayToBGR)
	} else if err != nil {
		return nil, err
	}
	defer img.Close()
	var cands []candidate
	for _, r := range crops {
		c, err := d.net.detect(img, r, floor)
		if err != nil {
			return nil, err
		}
		cands = append(cands, c...)
	}
	return cands, nil
}

// runClassic runs HOG or Haar on the luma.
func (d *Detector) runClassic(f *frame.Frame, crops []image.Rectangle, whole bool) ([]candidate, error) {
	g, err := picture.Gray(f)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	var cands []candidate
	for _, r := range crops {
		c, err := d.classic.detect(g, r, whole)
		if err != nil {
			return nil, err
		}
		cands = append(cands, c...)
	}
	return cands, nil
}

// detections turns candidates into detections in 0..1, dropping those
// centred in a mask.
func (d *Detector) detections(cands []candidate, w, h int) []detect.Detection {
	labels := []string{"person"}
	if d.net != nil {
		labels = d.net.model.Labels
	}
	var out []detect.Detection
	for _, c := range cands {
		if c.class < 0 || c.class >= len(labels) {
			continue
		}
		b := picture.ToBox(c.rect, w, h)
		if picture.Inside(d.masks, b.X+b.W/2, b.Y+b.H/2) {
			continue
		}
		out = append(out, detect.Detection{Kind: kindOf(labels[c.class]), Label: labels[c.class], Score: float64(c.score), Box: b})
	}
	return out
}
