package record

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/hub"
)

// camera records one camera: its hub reader feeds the open segment, the
// pre-roll ring and the clips being cut. One goroutine owns all of it.
type camera struct {
	id      string
	policy  Policy
	r       *Recorder
	rd      *hub.Reader
	log     zerolog.Logger
	events  chan bus.Anomaly
	patrols chan patrolMark
	cancel  context.CancelFunc
	done    chan struct{}

	seg   *file
	ring  ring
	clips map[string]*clip
	bad   bool // the codec cannot be recorded; logged once
}

// clip is an anomaly's clip being written, or a patrol's video.
type clip struct {
	id     string    // the anomaly's id, or the patrol's patrolKey
	dir    string    // where its files go
	ft     time.Time // the anomaly's frame, the patrol's take-off
	f      *file     // nil until the video reaches ft
	until  time.Time // end + post-roll, once the anomaly (patrol) ended
	hard   time.Time // the bound on the clip's length
	patrol bool      // a patrol's video goes on in a new file after a break
	resume bool      // a patrol's video waits for a keyframe after a break
}

// run records until ctx ends or the camera's stream closes.
func (c *camera) run(ctx context.Context) {
	defer close(c.done)
	defer c.closeAll()
	tick := time.NewTicker(c.r.o.Stall / 4)
	defer tick.Stop()
	last := time.Now() // when the last unit came
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-c.events:
			c.observe(a)
		case m := <-c.patrols:
			c.patrolMark(m)
		case u, ok := <-c.rd.Units():
			if !ok {
				return
			}
			last = time.Now()
			c.unit(u)
			u.Release() // the ring and the files hold what they keep
		case now := <-tick.C:
			if now.Sub(last) >= c.r.o.Stall {
				c.stalled()
				last = now // once per stall
			}
		}
	}
}

// stalled closes what is open when the camera sends nothing: the open
// segment, the clips (they hold all the video there is), and the clips
// still waiting for their frame, cut from the ring — a camera that went
// offline gets a clip of its last seconds.
func (c *camera) stalled() {
	if c.seg != nil {
		c.closeSegment()
	}
	for id, cl := range c.clips {
		if cl.patrol && cl.until.IsZero() { // still flying: the video may come back
			if cl.f != nil {
				c.closeClip(cl)
				cl.f, cl.resume = nil, true
			}
			continue
		}
		if cl.f != nil || (!cl.resume && c.startClip(cl)) {
			c.closeClip(cl)
		}
		delete(c.clips, id)
	}
	c.ring.reset() // what comes next starts afresh
}

func (c *camera) unit(u *media.Unit) {
	if c.policy.Mode == ModeContinuous {
		c.segment(u)
	}
	c.ring.add(u)
	for id, cl := range c.clips {
		switch {
		case cl.resume: // a patrol's video after a break: from the next keyframe
			if u.Key {
				cl.f, cl.resume = c.open(cl.dir, u), false
				cl.resume = cl.f == nil
			}
		case cl.f == nil: // waiting for the video to reach the anomaly's frame
			if !u.NTP.Before(cl.ft) && !c.startClip(cl) {
				if cl.patrol {
					cl.resume = true // no keyframe in the ring yet: from the next one
				} else {
					delete(c.clips, id)
				}
			}
		case (!cl.until.IsZero() && u.NTP.After(cl.until)) || u.NTP.After(cl.hard):
			c.closeClip(cl)
			delete(c.clips, id)
		case !cl.f.fits(u):
			c.closeClip(cl)
			if !cl.patrol {
				delete(c.clips, id)
				break
			}
			cl.f, cl.resume = nil, true
			if u.Key {
				cl.f = c.open(cl.dir, u)
				cl.resume = cl.f == nil
			}
		default:
			if err := cl.f.add(u); err != nil {
				c.r.diskError(c.log, err)
			}
		}
	}
}

// segment adds u to the open segment, rolling to a new one at a keyframe
// once the segment is long enough, or when the stream breaks or changes.
func (c *camera) segment(u *media.Unit) {
	if c.seg != nil && !c.seg.fits(u) {
		c.closeSegment()
	}
	if c.seg != nil && u.Key && c.seg.spanTo(u) >= c.r.o.Segment {
		c.closeSegment()
	}
	if c.seg == nil {
		if u.Key {
			c.seg = c.open(segmentDir(c.r.o.Dir, c.id), u)
		}
		return
	}
	if u.Key {
		if codec, err := codecOf(u); err == nil && !sameCodec(codec, c.seg.codec) {
			c.closeSegment()
			c.seg = c.open(segmentDir(c.r.o.Dir, c.id), u)
			return
		}
	}
	if err := c.seg.add(u); err != nil {
		c.r.diskError(c.log, err)
	}
}

// open starts a file at keyframe u; nil when it cannot.
func (c *camera) open(dir string, u *media.Unit) *file {
	codec, err := codecOf(u)
	if err != nil {
		if !c.bad {
			c.log.Warn().Err(err).Msg("camera not recorded")
			c.bad = true
		}
		return nil
	}
	f, err := createFile(dir, u, codec)
	if err != nil {
		c.r.diskError(c.log, err)
		return nil
	}
	return f
}

func (c *camera) closeSegment() {
	c.r.closed(c.log, c.seg, c.id, "")
	c.seg = nil
}

func (c *camera) closeClip(cl *clip) {
	c.r.closed(c.log, cl.f, c.id, cl.id)
}

// observe opens a clip on an anomaly's start and sets its end on the
// anomaly's end. The clip is cut once this camera's video reaches the
// anomaly's frame: the recorder may lag behind the analysis.
func (c *camera) observe(a bus.Anomaly) {
	ft := a.FrameTime.Time
	switch a.State {
	case bus.StateStart:
		if _, ok := c.clips[a.ID]; ok || c.policy.Mode == ModeOff || !anomalyID.MatchString(a.ID) {
			return
		}
		if _, done := c.r.ix.clip(a.ID); done {
			return // a start published again (a restart): the clip is kept
		}
		cl := &clip{id: a.ID, dir: clipDir(c.r.o.Dir, c.id, a.ID), ft: ft, hard: ft.Add(c.r.o.MaxClip)}
		c.clips[a.ID] = cl
		if newest := c.ring.newest(); !newest.IsZero() && !newest.Before(ft) && !c.startClip(cl) {
			delete(c.clips, a.ID)
		}
	case bus.StateEnd:
		if cl, ok := c.clips[a.ID]; ok {
			cl.until = ft.Add(c.r.o.PostRoll)
		}
	}
}

// patrolMark starts a patrol's video at its take-off, from the ring's
// keyframe before it (as a clip's pre-roll), or sets where it stops.
func (c *camera) patrolMark(m patrolMark) {
	key := patrolKey(m.id)
	cl, ok := c.clips[key]
	switch {
	case m.start && !ok:
		cl = &clip{id: key, dir: patrolDir(c.r.o.Dir, c.id, m.id), ft: m.at, hard: m.at.Add(c.r.o.MaxPatrol), patrol: true}
		c.clips[key] = cl
		if newest := c.ring.newest(); !newest.IsZero() && !newest.Before(m.at) && !c.startClip(cl) {
			cl.resume = true // from the next keyframe
		}
	case !m.start && ok:
		cl.until = m.at.Add(c.r.o.PostRoll)
		if cl.f == nil { // no video flowing: nothing more to wait for
			delete(c.clips, key)
		}
	}
}

// startClip writes a clip's pre-roll from the ring, up to the newest unit;
// false when it cannot.
func (c *camera) startClip(cl *clip) bool {
	units := c.ring.since(cl.ft.Add(-c.r.o.PreRoll))
	if len(units) == 0 {
		return false // no keyframe seen yet: nothing to cut from
	}
	if cl.f = c.open(cl.dir, units[0]); cl.f == nil {
		return false
	}
	for _, u := range units[1:] {
		if !cl.f.fits(u) {
			break
		}
		if err := cl.f.add(u); err != nil {
			c.r.diskError(c.log, err)
		}
	}
	return true
}

// closeAll closes the open files, when the camera stops being recorded.
func (c *camera) closeAll() {
	c.rd.Close()
	defer c.ring.reset()
	if c.seg != nil {
		c.closeSegment()
	}
	for _, cl := range c.clips {
		if cl.f != nil {
			c.closeClip(cl)
		}
	}
	c.clips = nil
}
