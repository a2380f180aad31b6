package analyze

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/rules"
)

// Footage is an analysis of its own that recorded frames are played into:
// the same workers, decoder, detectors and rules as a live camera's, with
// the frames' own times (anomaly lifetimes run on them, and the analysis
// is ticked on them, a second of footage at a time, unless WallClock).
// Rule replay plays a camera's recordings through it as fast as it takes
// them, losing none (Feed.Publish); the evaluation (edge/eval) plays clips
// through it, also paced as a camera delivers them (Feed.Offer). It keeps
// every anomaly event raised.
type Footage struct {
	h    *hub.Hub
	m    *Manager
	kept *kept

	mu   sync.Mutex
	cams map[string]Camera

	wall       bool // ticked by the wall clock, not by the frames
	stop, done chan struct{}
}

// footageDepth is how many frames may wait for a footage camera's worker:
// enough that it never waits for its feeder, few enough that the tick's
// time stays within a few frames of the frame analysed.
const footageDepth = 2

// NewFootage makes an analysis running the rule sets (one per site) with
// o's pacing and models; o.Hub and o.Sink are its own. With o.MaxLag 0,
// frames are never skipped for lag (recorded frames are all late by the
// wall clock); a clip stamped with the wall clock's times and paced as a
// camera may keep the edge's MaxLag.
func NewFootage(o Options, sets ...*rules.Set) (*Footage, error) {
	f := &Footage{h: hub.New(hub.Options{}), kept: &kept{}, cams: map[string]Camera{},
		stop: make(chan struct{}), done: make(chan struct{})}
	o.Hub, o.Sink, o.EveryUnit = f.h, f.kept, true
	if o.MaxLag == 0 {
		o.MaxLag = -1
	}
	f.m = New(o)
	for _, set := range sets {
		if err := f.m.Rules(set); err != nil {
			f.m.Close()
			return nil, fmt.Errorf("rules %s: %w", set.Source(), err)
		}
	}
	close(f.done)
	return f, nil
}

// WallClock ticks the analysis once a second of the wall clock, as the
// edge does, instead of on the frames' times: for clips of several
// cameras played at once in real time, stamped with the wall clock.
// Call it before any frame; Close stops it.
func (f *Footage) WallClock() {
	f.wall, f.done = true, make(chan struct{})
	go func() {
		defer close(f.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-f.stop:
				return
			case now := <-t.C:
				f.m.Tick(now)
			}
		}
	}()
}

// Hub is the analysis' own hub: another consumer (a recorder) may
// subscribe to a camera's stream before Camera.
func (f *Footage) Hub() *hub.Hub { return f.h }

// Feed is one camera's frames going into a Footage analysis.
type Feed struct {
	f      *Footage
	id     string
	s      *hub.Stream
	r      *hub.Reader
	next   time.Time // the next tick, in frame time
	frames int
	last   time.Time
}

// Camera starts analysing a camera and returns its feed.
func (f *Footage) Camera(c Camera) (*Feed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cams[c.ID] = c
	f.apply()
	s := f.h.Open(c.Stream)
	for _, r := range s.Readers() {
		if r.Name() == "analyze" {
			return &Feed{f: f, id: c.ID, s: s, r: r}, nil
		}
	}
	return nil, fmt.Errorf("camera %s: the analysis did not subscribe to its stream", c.ID)
}

// Publish hands the worker one frame once it has room for it (none is
// lost), as Offer does.
func (fd *Feed) Publish(ctx context.Context, u *media.Unit) error {
	for fd.r.Queued() >= footageDepth {
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(250 * time.Microsecond)
	}
	fd.Offer(u)
	return ctx.Err()
}

// Offer hands the worker one frame at once, as a camera's pull does: when
// the worker's queue is full the hub drops it (counted in Dropped). It
// first ticks the analysis for every second of frame time passed, as the
// edge's wall-clock tick does for a live camera whose newest frame is now
// (not under WallClock).
func (fd *Feed) Offer(u *media.Unit) {
	if fd.next.IsZero() {
		fd.next = u.NTP.Add(time.Second)
	}
	for !fd.f.wall && !u.NTP.Before(fd.next) {
		fd.f.m.Tick(fd.next)
		fd.next = fd.next.Add(time.Second)
	}
	fd.s.Publish(u)
	fd.frames++
	fd.last = u.NTP
}

// Queued is how many frames wait for the worker.
func (fd *Feed) Queued() int { return fd.r.Queued() }

// Dropped is how many frames the hub dropped for want of room (Offer only).
func (fd *Feed) Dropped() uint64 { return fd.r.Dropped() }

// Frames is how many frames were published; Last the newest one's time.
func (fd *Feed) Frames() int { return fd.frames }

// Last is the newest published frame's time.
func (fd *Feed) Last() time.Time { return fd.last }

// Analysed is how many frames of the camera went through the detectors.
func (fd *Feed) Analysed() uint64 {
	for _, st := range fd.f.m.Status() {
		if st.Camera == fd.id {
			return st.Analysed
		}
	}
	return 0
}

// Drain waits until the worker has taken every published frame.
func (fd *Feed) Drain(ctx context.Context) error {
	for fd.r.Queued() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// Stop stops analysing a camera once its worker is done with the frame
// in hand: after its feed drained, every frame it was given is analysed.
func (f *Footage) Stop(camera string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.cams, camera)
	f.apply()
}

// Anomalies are every anomaly event raised so far, in order.
func (f *Footage) Anomalies() []bus.Anomaly { return f.kept.all() }

// Close stops the analysis (and the WallClock ticker). The ends it then
// publishes for what was still going on are at the wall clock's time:
// read Anomalies before. Idempotent.
func (f *Footage) Close() {
	select {
	case <-f.stop:
	default:
		close(f.stop)
	}
	<-f.done
	f.m.Close()
}

// apply hands the manager the cameras; called with mu held.
func (f *Footage) apply() {
	cams := make([]Camera, 0, len(f.cams))
	for _, c := range f.cams {
		cams = append(cams, c)
	}
	slices.SortFunc(cams, func(x, y Camera) int {
		if x.ID < y.ID {
			return -1
		}
		return 1
	})
	f.m.Apply(cams)
}

// kept is a Footage's sink: it keeps every anomaly event.
type kept struct {
	mu  sync.Mutex
	got []bus.Anomaly
}

// PublishAnomaly keeps a.
func (k *kept) PublishAnomaly(a bus.Anomaly) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.got = append(k.got, a)
	return nil
}

func (k *kept) all() []bus.Anomaly {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.got)
}
