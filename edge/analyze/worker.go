package analyze

import (
	"errors"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs/ruleset"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/decode"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/frame"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/rules"
)

// Camera is what the analysis needs to know of a camera.
type Camera struct {
	// ID and Site name the camera.
	ID, Site string
	// Stream is the hub stream to analyse: the camera id, or the
	// substream's when the camera has one.
	Stream string
	// Geo is the camera's position, when known.
	Geo *[3]float64
	// GeoAt, when set, gives the camera's position at a frame's time and
	// takes precedence over Geo: a camera that moves (a drone's) is where
	// it was when the frame was taken, not where it is when the anomaly
	// is published. Nil from GeoAt means not known then. It is called
	// from the analysis goroutines and must be safe for concurrent use.
	GeoAt func(time.Time) *bus.Geo
	// Verifies, when set, names the camera anomaly the camera (a drone's)
	// was sent to look at when a frame was taken, "" when none; the
	// frame's anomalies carry it (bus.Anomaly.Verifies). Like GeoAt it is
	// called from the analysis goroutines.
	Verifies func(time.Time) string
	// Moving is true for a camera that moves by design (a drone, a PTZ,
	// a handheld): its detectors are told (detect.Settings.Moving).
	Moving bool
}

// worker analyses one camera on its own goroutine.
type worker struct {
	cam    Camera
	reader *hub.Reader
	runner *rules.Runner
	out    *publisher
	pace   *pacer
	log    zerolog.Logger
	models string // where detectors find model files
	// everyUnit: the hub queues every unit even while idle (Options.EveryUnit)
	everyUnit bool

	dec       *decode.Decoder
	codec     string
	detectors map[string]detect.Detector
	settings  map[string]detect.Settings // what each detector was made with
	version   int                        // rule set version the detectors follow
	shadow    shadowDetectors            // the shadow set's, where they differ

	shadowNames atomic.Pointer[[]string] // the shadow's own instances, for the status

	sched *scheduler // shares the expensive detector; nil: no limit
	burst *burstLog  // logs shedding once per burst; nil: not logged
	// shadowBurst logs the shadow work shed, once per burst; nil: not logged.
	shadowBurst *burstLog
	maxLag      time.Duration // behind by more, skip to the next keyframe; 0: never
	load        workerLoad    // what the worker measures of itself

	moved    atomic.Pointer[position] // set when a live reload moves the camera
	mode     atomic.Value             // Mode
	analysed atomic.Uint64
	errors   atomic.Uint64
	quit     atomic.Bool // set when the worker is to stop: queued frames are dropped
	// look is set when the camera comes online (and when its analysis
	// starts): its next keyframe wakes it and the detectors that run on
	// motion look at the whole frame once (see unit and detect).
	look atomic.Bool
	done chan struct{}
}

// position is a camera's position as a live reload last set it (nil Geo:
// no longer known).
type position struct{ geo *[3]float64 }

// located returns the camera with its current position: a live reload
// moves a camera without restarting its analysis.
func (w *worker) located() Camera {
	c := w.cam
	if p := w.moved.Load(); p != nil {
		c.Geo = p.geo
	}
	return c
}

// move sets the camera's position when it changed.
func (w *worker) move(geo *[3]float64) {
	if !sameGeo(w.located().Geo, geo) {
		w.moved.Store(&position{geo: geo})
	}
}

func sameGeo(a, b *[3]float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// run consumes units until the reader closes, or until it is told to quit:
// the frames still queued then are dropped, not analysed, so a stopping
// edge neither waits for them nor raises anomalies from them.
func (w *worker) run() {
	defer close(w.done)
	defer w.close()
	for u := range w.reader.Units() {
		if w.quit.Load() {
			return
		}
		w.unit(u)
		// Done with its bytes: the decoder copied them, and keeps the unit
		// only for its times (decode.Decoder). The camera's read buffers
		// are reused once the hub's GOP cache lets the unit go too.
		u.Release()
	}
}

func (w *worker) unit(u *media.Unit) {
	if w.runner.Live() == nil {
		return // no rules for the site yet: nothing to look for, nothing to decode
	}
	w.countDrops()
	if w.behind(u) {
		return
	}
	if u.Key && w.look.Load() && w.pace.mode != Active {
		// A camera that just came online: decode it in colour from this
		// keyframe on, as motion would, so the whole-frame look has colour
		// (fire, smoke) and the quiet period after it gives fire and smoke
		// the frames they judge over.
		w.pace.wake(u.NTP)
		w.setMode(Active)
	}
	if !w.pace.decode(u.Key, u.NTP) {
		return
	}
	if !w.pace.wants(u.NTP) {
		w.advance(u) // decoded for the frames that follow, never looked at
		return
	}
	f, err := w.decode(u)
	if err != nil || f == nil {
		return
	}
	defer w.dec.Release(f) // nothing keeps the frame: the snapshot is encoded by then
	if !w.pace.analyse(f.Time) {
		return
	}
	w.analysed.Add(1)
	live, shadow := w.detect(f)
	events := w.runner.ObserveSplit(w.cam.ID, f.Time, live, shadow)
	var snap []byte
	if starts(events) {
		snap = w.snapshot(f)
	}
	w.out.publish(w.located(), events, snap)
}

// snapshot is the JPEG a start carries: full-size and in colour from the
// decoder's own planes when it can, else from the frame (grey in Idle mode,
// where only luma was decoded).
func (w *worker) snapshot(f *frame.Frame) []byte {
	jpg, err := w.dec.JPEG(f)
	if err == nil {
		return jpg
	}
	if !errors.Is(err, decode.ErrNoJPEG) {
		w.fail(err)
	}
	if f.BGR == nil && f.Small.BGR != nil {
		// A pixel format the encoder does not take: the full-size colour
		// picture the detectors did without.
		if err := w.dec.Colour(f); err != nil {
			w.fail(err)
		}
	}
	return snapshot(f)
}

// starts tells whether any event starts an anomaly (and so carries a
// snapshot).
func starts(events []rules.Event) bool {
	for _, ev := range events {
		if ev.State == rules.Start {
			return true
		}
	}
	return false
}

// advance decodes a unit without taking its picture out.
func (w *worker) advance(u *media.Unit) {
	if w.decoder(u) != nil {
		return
	}
	if err := w.dec.Advance(u); err != nil {
		w.fail(err)
	}
}

// decode keeps one decoder per codec; a camera that changes codec (after a
// firmware update, say) gets a new one.
func (w *worker) decode(u *media.Unit) (*frame.Frame, error) {
	if err := w.decoder(u); err != nil {
		return nil, err
	}
	f, err := w.dec.Decode(u)
	if err != nil {
		w.fail(err)
	}
	return f, err
}

// decoder makes the decoder for the unit's codec when needed.
func (w *worker) decoder(u *media.Unit) error {
	codec := media.Codec(u.Format)
	if w.dec != nil && w.codec == codec {
		return nil
	}
	if w.dec != nil {
		w.dec.Close()
	}
	d, err := decode.New(w.cam.ID, codec)
	if err != nil {
		w.dec = nil
		w.fail(err)
		return err
	}
	w.dec, w.codec = d, codec
	w.dec.SetMode(decodeMode(w.pace.mode))
	w.dec.SetFullBGR(w.detectors == nil || w.fullBGR())
	return nil
}

// detect runs motion first, then, in active mode, the other detectors on
// the motion regions; camera health runs in every mode, at the idle rate. While the rules
// follow people or vehicles the camera stays active, and the objects
// detector also looks at the whole frame now and then (pacer.whole). The
// objects detector runs on motion when the scheduler admits it; unseen are
// then the kinds it would have reported, which the rules do not judge on
// the frame.
//
// The first frame analysed after the camera came online is a whole-frame
// look: whatever was already there when it came online (a person standing
// still, a fire already burning) is part of the motion detector's first
// background and would never be motion; every detector looks at the whole
// frame once, regardless of motion, and the scheduler does not ration
// that one forward per camera coming online.
//
// What the live detectors saw is live; shadow is what the shadow set's
// detectors saw (see detectShadow), on the same frame and turn.
func (w *worker) detect(f *frame.Frame) (live, shadow rules.Seen) {
	w.refreshDetectors()
	w.refreshShadow()
	look := w.look.Swap(false)
	if look {
		w.log.Debug().Time("frame_time", f.Time).Msg("camera came online: whole-frame look")
	}
	per := map[string][]detect.Detection{} // the live detections by detector, for the shadow to share
	var regions []detect.Box
	if m := w.detectors["motion"]; m != nil {
		ds := w.run1(m, f, nil)
		for _, d := range ds {
			regions = append(regions, d.Box)
		}
		per["motion"] = ds
		live.Dets = append(live.Dets, ds...)
	}
	following := w.runner.Following(w.cam.ID)
	mode, changed := w.pace.observe(f.Time, len(regions) > 0 || look, following)
	if changed {
		w.setMode(mode)
	}
	tn := turn{look: look, mode: mode, regions: regions}
	if w.detectors["health"] != nil || w.shadow.own["health"] != nil {
		tn.health = w.pace.health(f.Time)
	}
	if !look && mode != Idle && (w.detectors[Expensive] != nil || w.shadow.own[Expensive] != nil) {
		tn.whole = w.pace.whole(f.Time, following)
	}
	for name, d := range w.detectors {
		if name == "motion" || !tn.due(name) {
			continue
		}
		where := regions
		switch {
		case look:
			where = nil // the whole frame
		case name == Expensive:
			where = objectRegions(regions, tn.whole)
			if !w.admit(f.Time, where, regions) {
				live.Unseen = ruleset.TrackedKinds
				continue
			}
		}
		ds := w.run1(d, f, where)
		per[name] = ds
		live.Dets = append(live.Dets, ds...)
	}
	return live, w.detectShadow(f, tn, per, live.Unseen)
}

// turn is what the live analysis decided for a frame, which the shadow
// set's detectors follow: they run on the frames, in the mode and at the
// rates the live analysis chose, so a shadow costs no extra decoding.
type turn struct {
	look    bool // a whole-frame look (camera came online)
	mode    Mode
	health  bool // the health detector's turn
	whole   bool // the objects detector's whole-frame look while following
	regions []detect.Box
}

// due tells whether the detector name (other than motion) runs this turn.
func (tn turn) due(name string) bool {
	if name == "health" {
		return tn.health
	}
	return tn.mode != Idle
}

// objectRegions is where the objects detector looks: the whole frame (nil)
// when a look is due while following, else the motion regions, none (an
// empty list) when nothing moved: a forward of the model costs as much as
// a whole frame, for nothing.
func objectRegions(regions []detect.Box, whole bool) []detect.Box {
	if whole {
		return nil
	}
	if regions == nil {
		return []detect.Box{}
	}
	return regions
}

func (w *worker) run1(d detect.Detector, f *frame.Frame, regions []detect.Box) []detect.Detection {
	began := time.Now()
	ds, err := d.Detect(f, regions)
	w.spent(d.Name(), f.Time, time.Since(began))
	if err != nil {
		w.fail(err)
	}
	return ds
}

// refreshDetectors follows the site's live rule set when it changed
// version: a detector whose settings changed is made anew, one whose
// settings did not goes on with its state (the health reference and
// timers, the background, the smoke history), so that a new version does
// not end the anomalies it sees. It runs between two frames on the
// worker's goroutine, so a new version costs no frame.
func (w *worker) refreshDetectors() {
	set := w.runner.Live()
	v := 0
	if set != nil {
		v = set.Version
	}
	if v == w.version && w.detectors != nil {
		return
	}
	want := w.runner.Detectors(w.cam.ID)
	next := make(map[string]detect.Detector, len(want))
	for name, s := range want {
		s.Camera, s.ModelDir, s.Moving = w.cam.ID, w.models, w.cam.Moving
		want[name] = s
		if d, ok := w.detectors[name]; ok && reflect.DeepEqual(s, w.settings[name]) {
			next[name] = d
			delete(w.detectors, name)
			continue
		}
		d, err := detect.New(name, s)
		if err != nil {
			w.log.Error().Err(err).Str("detector", name).Int("rule_version", v).Msg("detector not started")
			continue
		}
		next[name] = d
	}
	w.closeDetectors() // those gone or changed
	w.detectors, w.settings, w.version = next, want, v
	if w.dec != nil {
		// From the next frame on: this one went without if none needed it.
		w.dec.SetFullBGR(w.fullBGR())
	}
}

func (w *worker) setMode(m Mode) {
	w.mode.Store(m)
	w.takeKeysOnly(m == Idle)
	if w.dec != nil {
		w.dec.SetMode(decodeMode(m))
	}
	w.log.Debug().Str("mode", string(m)).Msg("analysis mode")
}

// takeKeysOnly has the hub queue only keyframes while the camera is idle:
// idle analysis decodes keyframes alone, and a camera's other units would
// wake its goroutine 15 times a second for nothing. Back to every unit,
// the hub queues the current GOP's units after the last one taken, so
// the decoder goes on as if none had been held back.
func (w *worker) takeKeysOnly(on bool) {
	if w.reader != nil && !w.everyUnit {
		w.reader.KeysOnly(on)
	}
}

func decodeMode(m Mode) decode.Mode {
	if m == Active {
		return decode.Active
	}
	return decode.Idle
}

// fail counts an error and logs the first of a run of them, so a broken
// stream is visible without flooding the log.
func (w *worker) fail(err error) {
	if w.errors.Add(1)%100 == 1 {
		w.log.Warn().Err(err).Uint64("errors", w.errors.Load()).Msg("analysis error")
	}
}

func (w *worker) close() {
	w.closeDetectors()
	w.dropShadow()
	if w.dec != nil {
		w.dec.Close()
	}
}

func (w *worker) closeDetectors() {
	var errs []error
	for _, d := range w.detectors {
		errs = append(errs, d.Close())
	}
	if err := errors.Join(errs...); err != nil {
		w.log.Warn().Err(err).Msg("closing detectors")
	}
}
