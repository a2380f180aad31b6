package record

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/hub"
)

// Recording modes of a camera.
const (
	// ModeOff records nothing, not even clips.
	ModeOff = "off"
	// ModeEvents keeps clips of the camera's anomalies only.
	ModeEvents = "events"
	// ModeContinuous keeps segments of everything, and clips.
	ModeContinuous = "continuous"
)

// Policy is how one camera is recorded.
type Policy struct {
	// Mode is ModeOff, ModeEvents or ModeContinuous.
	Mode string
	// Keep is how long continuous segments are kept (0: until the quota
	// needs their room).
	Keep time.Duration
	// Stream is the hub stream recorded, segments and clips alike: the
	// camera's id (the default), or its detection substream's, cheaper to
	// keep for long.
	Stream string
}

// Options configure a Recorder; zero values take the defaults.
type Options struct {
	// Dir is the edge's recordings folder: <dir>/<camera>/segments and
	// <dir>/<camera>/clips/<anomaly id>.
	Dir string
	// Hub is where the cameras' streams are read.
	Hub *hub.Hub
	// Log receives what goes wrong, once per burst for a full disk.
	Log zerolog.Logger
	// Quota bounds the bytes of every recording and clip of the edge
	// (0: no bound but the disk's).
	Quota int64
	// PreRoll is the video a clip holds before the anomaly (default 10s).
	PreRoll time.Duration
	// PostRoll is the video a clip holds after the anomaly's end (default 10s).
	PostRoll time.Duration
	// MaxClip bounds a clip's length from the anomaly's start (default 5m).
	MaxClip time.Duration
	// ClipKeep is how long clips are kept (default 30 days).
	ClipKeep time.Duration
	// Segment is the length of a continuous segment (default 10s); a
	// segment ends at the first keyframe past it.
	Segment time.Duration
	// PruneEvery is how often retention runs (default 30s).
	PruneEvery time.Duration
	// Stall is how long a camera may send nothing before its open files
	// are closed (they become visible and durable) and an anomaly whose
	// frame the video never reached is cut from what the ring holds, as
	// for a camera that went offline (default 5s).
	Stall time.Duration
}

// ringSlack is how much more than the pre-roll the ring holds: the
// analysis reports an anomaly after its frame, by up to its lag.
const ringSlack = 5 * time.Second

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PreRoll, 10*time.Second)
	def(&o.PostRoll, 10*time.Second)
	def(&o.MaxClip, 5*time.Minute)
	def(&o.ClipKeep, 30*24*time.Hour)
	def(&o.Segment, 10*time.Second)
	def(&o.PruneEvery, 30*time.Second)
	def(&o.Stall, 5*time.Second)
}

// Recorder records the edge's cameras by their policies. Apply starts and
// stops cameras, Observe feeds anomalies, Close stops everything.
type Recorder struct {
	o   Options
	ix  *index
	m   metrics
	ctx context.Context
	end context.CancelFunc
	wg  sync.WaitGroup

	mu   sync.Mutex
	cams map[string]*camera

	failing atomic.Bool // in a burst of disk errors, logged at its start
	prune   chan struct{}
}

// New indexes what dir holds (recovering files a crash left open) and
// starts retention; cameras start with Apply.
func New(o Options) (*Recorder, error) {
	o.defaults()
	if o.Dir == "" || o.Hub == nil {
		return nil, fmt.Errorf("recorder: a folder and a hub are required")
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Recorder{o: o, ix: scan(o.Dir, o.Log), m: newMetrics(), ctx: ctx, end: cancel,
		cams: map[string]*camera{}, prune: make(chan struct{}, 1)}
	r.wg.Add(1)
	go r.retain()
	return r, nil
}

// Apply sets the policies of the cameras: cameras absent or off stop
// being recorded (their open files close), new ones start.
func (r *Recorder) Apply(policies map[string]Policy) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, c := range r.cams {
		ended := false // its camera was removed from the hub, maybe to come back
		select {
		case <-c.done:
			ended = true
		default:
		}
		if p, ok := policies[id]; !ok || p != c.policy || ended {
			c.cancel()
			<-c.done
			delete(r.cams, id)
		}
	}
	for id, p := range policies {
		if _, ok := r.cams[id]; ok || p.Mode == ModeOff || p.Mode == "" {
			continue
		}
		ctx, cancel := context.WithCancel(r.ctx)
		c := &camera{id: id, policy: p, r: r, rd: r.o.Hub.Open(cmp.Or(p.Stream, id)).Subscribe("record"), cancel: cancel,
			log:    r.o.Log.With().Str("camera", id).Str("component", "record").Logger(),
			events: make(chan bus.Anomaly, 64), done: make(chan struct{}), clips: map[string]*clip{},
			ring: ring{keep: r.o.PreRoll + ringSlack, maxBytes: 64 << 20}}
		r.cams[id] = c
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			c.run(ctx)
		}()
	}
}

// Observe takes an anomaly the edge published: a start opens its clip, an
// end sets where the clip stops. It never blocks; an event the camera's
// recorder has no room for is counted and lost.
func (r *Recorder) Observe(a bus.Anomaly) {
	r.mu.Lock()
	c := r.cams[a.Camera]
	r.mu.Unlock()
	if c == nil {
		return
	}
	select {
	case c.events <- a:
	default:
		r.m.eventsLost.Inc()
	}
}

// Close stops every camera, closing their files, and retention.
func (r *Recorder) Close() {
	r.end()
	r.mu.Lock()
	for _, c := range r.cams {
		<-c.done
	}
	r.cams = map[string]*camera{}
	r.mu.Unlock()
	r.wg.Wait()
}

// closed closes a file and indexes it.
func (r *Recorder) closed(log zerolog.Logger, f *file, camera, anomaly string) {
	e, err := f.close()
	if err != nil {
		r.diskError(log, err)
	}
	if e.Path == "" {
		return
	}
	e.Camera, e.Anomaly = camera, anomaly
	r.ix.add(e)
	if err == nil {
		r.failing.Store(false) // the burst is over: the next failure is logged
	}
	if anomaly != "" {
		r.m.clips.Inc()
	} else {
		r.m.segments.Inc()
	}
	r.m.written.Add(float64(e.Size))
}

// diskError counts a failed write and logs the first of a burst; it asks
// retention to make room at once.
func (r *Recorder) diskError(log zerolog.Logger, err error) {
	r.m.errors.Inc()
	if !r.failing.Swap(true) {
		log.Error().Err(err).Msg("recording write failed: recordings lost until the disk has room; ingest and detection go on")
	}
	select {
	case r.prune <- struct{}{}:
	default:
	}
}

// retain runs retention until Close.
func (r *Recorder) retain() {
	defer r.wg.Done()
	t := time.NewTicker(r.o.PruneEvery)
	defer t.Stop()
	for {
		r.runPrune(time.Now())
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		case <-r.prune:
		}
	}
}

// runPrune applies retention once.
func (r *Recorder) runPrune(now time.Time) []entry {
	gone := r.ix.prune(now, r.keep, r.o.ClipKeep, r.o.Quota)
	r.m.deleted.Add(float64(len(gone)))
	return gone
}

// keep is the age past which a camera's segments go.
func (r *Recorder) keep(camera string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.cams[camera]; c != nil {
		return c.policy.Keep
	}
	return 0
}
