package record

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
)

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
	pt      patrols
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
		cams: map[string]*camera{}, prune: make(chan struct{}, 1),
		pt: patrols{flying: map[string]*track{}, ended: map[string]bool{}}}
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
		if _, ok := r.cams[id]; ok || ((p.Mode == ModeOff || p.Mode == "") && !p.Patrols) {
			continue
		}
		ctx, cancel := context.WithCancel(r.ctx)
		c := &camera{id: id, policy: p, r: r, rd: r.o.Hub.Open(cmp.Or(p.Stream, id)).Subscribe("record"), cancel: cancel,
			log:    r.o.Log.With().Str("camera", id).Str("component", "record").Logger(),
			events: make(chan bus.Anomaly, 64), patrols: make(chan patrolMark, 16), done: make(chan struct{}), clips: map[string]*clip{},
			ring: ring{keep: r.o.PreRoll + ringSlack, maxBytes: 64 << 20}}
		r.cams[id] = c
		for _, m := range r.flyingOf(id) { // a drone camera (re)started mid-patrol
			c.patrols <- m
		}
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
	r.closePatrols()
}

// closed closes a file and indexes it: a segment, an anomaly's clip, or
// a patrol's video (anomaly is then its patrolKey).
func (r *Recorder) closed(log zerolog.Logger, f *file, camera, anomaly string) {
	e, err := f.close()
	if err != nil {
		r.diskError(log, err)
	}
	if e.Path == "" {
		return
	}
	e.Camera, e.Anomaly = camera, anomaly
	if id, ok := strings.CutPrefix(anomaly, patrolKey("")); ok {
		e.Anomaly, e.Patrol = "", id
	}
	r.ix.add(e)
	if err == nil {
		r.failing.Store(false) // the burst is over: the next failure is logged
	}
	switch {
	case e.Patrol != "":
		r.m.patrols.Inc()
	case anomaly != "":
		r.m.clips.Inc()
	default:
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
