package analyze

import (
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/ingest"
	"github.com/argus-edge/argus/edge/rules"
)

// Options configure the analysis of an edge's cameras.
type Options struct {
	// Edge is the edge id put on anomalies.
	Edge string
	// Hub is where the cameras' units come from.
	Hub *hub.Hub
	// Sink receives the anomalies.
	Sink Sink
	// Log receives the analysis' logs.
	Log zerolog.Logger
	// ModelDir is where detectors find model files.
	ModelDir string
	// IdleFPS, ActiveFPS and Quiet pace the analysis (see configs.Detect);
	// a zero rate is the config's default (configs.DefaultIdleFPS,
	// DefaultActiveFPS), as at an edge.
	IdleFPS, ActiveFPS float64
	Quiet              time.Duration
	// Cores is the analysis budget, in cores, that the scheduler shares
	// out (configs.Detect.Cores); 0: no limit.
	Cores float64
	// MaxLag is how far behind its frames a camera's analysis may fall
	// before it skips to the next keyframe; 0: DefaultMaxLag; negative:
	// never skip (frames fed faster than real time, as an evaluation does).
	MaxLag time.Duration
	// EveryUnit has an idle camera's worker take every unit, skipping
	// the non-keyframes itself, instead of the hub holding them back
	// (Reader.KeysOnly). Footage fed as fast as the analysis takes it
	// needs this: held back, the feeder runs GOPs past the keyframe whose
	// look turns the camera active before the worker has looked, and the
	// frames after it are lost to the analysis (replay then raised a fire
	// 2–4 s later than live on the same footage, or not).
	EveryUnit bool
}

// DefaultMaxLag bounds how late an anomaly can be published for want of
// CPU: a fire's start must reach the console within seconds.
const DefaultMaxLag = time.Second

// Manager runs one worker per camera and one rules runner per site.
type Manager struct {
	o     Options
	out   *publisher
	sched *scheduler
	burst *burstLog
	// shadowBurst logs the shadow work shed apart (see burstLog.shadow).
	shadowBurst *burstLog

	mu      sync.Mutex
	workers map[string]*worker
	runners map[string]*rules.Runner
	offline map[string]Camera
	closed  bool
	// ending keeps Tick and Close apart, so that no tick starts an
	// anomaly after Close ended them all.
	ending sync.Mutex
}

// New returns a manager with no camera.
func New(o Options) *Manager {
	if o.MaxLag == 0 {
		o.MaxLag = DefaultMaxLag
	}
	// A replay or a test given no rates analyses as an edge with the
	// defaults does: at one frame a second, fire saw no flicker.
	if o.IdleFPS <= 0 {
		o.IdleFPS = configs.DefaultIdleFPS
	}
	if o.ActiveFPS <= 0 {
		o.ActiveFPS = configs.DefaultActiveFPS
	}
	return &Manager{o: o, out: &publisher{edge: o.Edge, sink: o.Sink, log: o.Log},
		sched: newScheduler(o.Cores, time.Now), burst: &burstLog{log: o.Log, now: time.Now},
		shadowBurst: &burstLog{log: o.Log, now: time.Now, shadow: true},
		workers:     map[string]*worker{}, runners: map[string]*rules.Runner{}, offline: map[string]Camera{}}
}

// Apply starts a worker for each new camera, stops the ones no longer
// listed and restarts those whose stream or site (and so rules) changed.
// A camera that only moved keeps its worker, and its anomalies carry the
// new position from the next one.
func (m *Manager) Apply(cams []Camera) {
	m.mu.Lock()
	defer m.mu.Unlock()
	want := map[string]Camera{}
	for _, c := range cams {
		want[c.ID] = c
	}
	for id, w := range m.workers {
		c, ok := want[id]
		if !ok || c.Stream != w.cam.Stream || c.Site != w.cam.Site {
			m.stop(w)
			delete(m.workers, id)
		}
		if _, down := m.offline[id]; down && !ok {
			delete(m.offline, id) // no longer analysed: no longer reported
		} else if down {
			m.offline[id] = c
		}
	}
	for _, c := range cams {
		if w, ok := m.workers[c.ID]; ok {
			w.move(c.Geo)
		} else {
			m.start(c)
		}
	}
}

func (m *Manager) start(c Camera) {
	s := m.o.Hub.Open(c.Stream)
	w := &worker{
		cam: c, reader: s.Subscribe("analyze"), runner: m.runner(c.Site), out: m.out,
		pace: newPacer(m.o.IdleFPS, m.o.ActiveFPS, m.o.Quiet),
		log:  m.o.Log.With().Str("camera", c.ID).Str("site", c.Site).Logger(), done: make(chan struct{}),
		models: m.o.ModelDir, sched: m.sched, burst: m.burst, shadowBurst: m.shadowBurst, maxLag: m.o.MaxLag,
		everyUnit: m.o.EveryUnit,
	}
	w.mode.Store(Idle)
	w.takeKeysOnly(true)
	w.look.Store(true) // its first frames are a camera coming online
	m.sched.join(c.ID)
	m.sched.joinShadow(shadowKey(c.ID))
	m.workers[c.ID] = w
	go w.run()
}

// stop ends a worker after its current frame, dropping its queued ones.
func (m *Manager) stop(w *worker) {
	w.quit.Store(true)
	w.reader.Close()
	<-w.done
	m.sched.leave(w.cam.ID)
	m.sched.leave(shadowKey(w.cam.ID))
}

// runner returns the site's rules runner, making it on first use.
func (m *Manager) runner(site string) *rules.Runner {
	r, ok := m.runners[site]
	if !ok {
		r = rules.NewRunner(site)
		m.runners[site] = r
	}
	return r
}

// Rules applies a new version of a site's rule set (live or shadow) at
// once, between two frames of each camera: anomalies whose rule survives
// go on under the same id, the others end. A set that is not newer than
// the running one is refused with the reason.
func (m *Manager) Rules(set *rules.Set) error {
	m.mu.Lock()
	r := m.runner(set.Site)
	cams := m.cameras(set.Site)
	m.mu.Unlock()
	events, err := r.Apply(set, time.Now())
	if err != nil {
		return err
	}
	m.publishAll(cams, events)
	return nil
}

// DropShadow retires a site's shadow rule set, ending its anomalies.
func (m *Manager) DropShadow(site string) {
	m.mu.Lock()
	r := m.runner(site)
	cams := m.cameras(site)
	m.mu.Unlock()
	m.publishAll(cams, r.DropShadow(time.Now()))
}

// CameraState tells the state of a camera's pull: ingest.StateOffline,
// StateConnecting or StateOnline. A camera is down from its pull's first
// failure until it is online again, when frames flow: the attempts in
// between do not bring it back, since a dead camera can keep each one
// connecting until the read timeout (10 s), longer than end_after, and its
// offline anomaly would otherwise end and start again under a new id at
// every retry. While it is down, the rules see a camera_offline detection
// every tick. Online, the camera's next frame is a whole-frame look
// (worker.detect): what was already in view is seen without moving.
func (m *Manager) CameraState(camera, state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.workers[camera]
	switch {
	case state == ingest.StateOffline && ok:
		m.offline[camera] = w.located()
	case state == ingest.StateOnline:
		delete(m.offline, camera)
		if ok {
			w.look.Store(true) // back online: look at the whole frame again
		}
	}
}

// Tick reports offline cameras to the rules, ends the anomalies of
// cameras no longer analysed or offline, measures each camera's analysis
// rate and ends a burst of shedding that is over. The edge calls it once
// a second. The anomalies of a camera whose frames flow live on its
// frames' times only: the wall clock against lagging frames would end
// them while their condition holds.
func (m *Manager) Tick(now time.Time) {
	m.ending.Lock()
	defer m.ending.Unlock()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	offline := make([]Camera, 0, len(m.offline))
	for _, c := range m.offline {
		offline = append(offline, c)
	}
	flowing := map[string]bool{}
	for id, w := range m.workers {
		_, down := m.offline[id]
		flowing[id] = !down
		w.measure(now)
	}
	runners := maps.Clone(m.runners)
	cams := m.cameras("")
	m.mu.Unlock()
	down := []detect.Detection{{Kind: detect.CameraOffline, Score: 1, Box: detect.Box{W: 1, H: 1}}}
	for _, c := range offline {
		m.publishAll(cams, runners[c.Site].Observe(c.ID, now, down))
	}
	for _, r := range runners {
		m.publishAll(cams, r.TickExcept(now, func(camera string) bool { return flowing[camera] }))
	}
	m.burst.tick()
	m.shadowBurst.tick()
}

func (m *Manager) publishAll(cams map[string]Camera, events []rules.Event) {
	for _, ev := range events {
		c, ok := cams[ev.Camera]
		if !ok {
			c = Camera{ID: ev.Camera, Site: ev.Site}
		}
		m.out.publish(c, []rules.Event{ev}, nil)
	}
}

// cameras are the analysed cameras of site, or of every site with "".
func (m *Manager) cameras(site string) map[string]Camera {
	cams := map[string]Camera{}
	for id, w := range m.workers {
		if site == "" || w.cam.Site == site {
			cams[id] = w.located()
		}
	}
	return cams
}

// Status is one camera's analysis state.
type Status struct {
	// Camera is the camera id.
	Camera string `json:"camera"`
	// Mode is idle or active.
	Mode Mode `json:"mode"`
	// Analysed counts frames run through the detectors.
	Analysed uint64 `json:"analysed"`
	// Errors counts decode and detector errors.
	Errors uint64 `json:"errors"`
	// RuleVersion is the live rule set version the detectors follow.
	RuleVersion int `json:"rule_version"`
	// ShadowDetectors are the shadow set's detectors run apart from the
	// live ones because their settings differ (none: all shared).
	ShadowDetectors []string `json:"shadow_detectors,omitempty"`
	// AnalysisFPS is the frames analysed per second over the last second.
	AnalysisFPS float64 `json:"analysis_fps"`
	// LagSeconds is how far behind its frames the analysis was at the
	// last frame it took.
	LagSeconds float64 `json:"lag_seconds"`
	// Shed counts the frames shed under overload, by reason (ShedLag...).
	Shed map[string]uint64 `json:"shed,omitempty"`
	// Tier is the camera's priority for the expensive detector
	// (0 urgent, 1 motion, 2 the rest; its shadow work is always 3).
	Tier int `json:"tier"`
	// ObjectsRate is the objects detector runs per second the scheduler
	// allows the camera; -1: no limit.
	ObjectsRate float64 `json:"objects_rate"`
	// Costs are the seconds one run of each detector took lately, as
	// measured.
	Costs map[string]float64 `json:"costs,omitempty"`
	// costs are the detectors' runs and seconds so far, for the metrics.
	costs map[string]detectorCost
}

// ShedTotal is the frames the live analysis shed, for every reason but
// ShedShadow: a shadow starved of budget costs the live detection nothing.
func (s Status) ShedTotal() uint64 {
	n := uint64(0)
	for r, c := range s.Shed {
		if r != ShedShadow {
			n += c
		}
	}
	return n
}

// Status returns every camera's analysis state, sorted by camera.
func (m *Manager) Status() []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Status, 0, len(m.workers))
	for id, w := range m.workers {
		sh := m.sched.share(id)
		st := Status{Camera: id, Mode: w.mode.Load().(Mode), Analysed: w.analysed.Load(), Errors: w.errors.Load(),
			AnalysisFPS: w.analysisFPS(), LagSeconds: w.lag().Seconds(), Shed: w.load.shed.byReason(),
			Tier: sh.Tier, ObjectsRate: sh.ObjectsRate, Costs: map[string]float64{}, costs: w.costs()}
		for d, c := range st.costs {
			st.Costs[d] = c.recent
		}
		if set := w.runner.Live(); set != nil {
			st.RuleVersion = set.Version
		}
		st.ShadowDetectors = w.shadowOwn()
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Camera < out[j].Camera })
	return out
}

// Shedding tells whether the edge is shedding frames (a burst under way).
func (m *Manager) Shedding() bool { return m.burst.shedding() }

// Stop ends the analysis at once, when the edge shuts down: it returns
// once the anomalies being published are in the sink (on disk, for the
// bus) and publishes none from frames after, and every worker drops its
// queued frames instead of analysing them. Close then waits for the
// workers and ends what is ongoing.
func (m *Manager) Stop() {
	m.out.stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range m.workers {
		w.quit.Store(true)
	}
}

// Close stops every worker, then ends every ongoing anomaly, live and
// shadow, so that an edge shutting down cleanly leaves none open at the
// gateway. The ends go to the sink, for the edge the bus's disk queue
// (delivered at once, or after the next start): close the manager before
// the bus. Tick does nothing afterwards.
func (m *Manager) Close() {
	m.mu.Lock()
	cams := m.cameras("")
	for id, w := range m.workers {
		m.stop(w)
		delete(m.workers, id)
	}
	m.closed = true
	runners := maps.Clone(m.runners)
	m.mu.Unlock()
	m.ending.Lock() // a Tick under way finishes first
	defer m.ending.Unlock()
	now := time.Now()
	for _, site := range slices.Sorted(maps.Keys(runners)) {
		m.publishAll(cams, runners[site].Close(now))
	}
}

// sites maps every analysed camera to its site.
func (m *Manager) sites() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]string, len(m.workers))
	for id, w := range m.workers {
		out[id] = w.cam.Site
	}
	return out
}
