package replay

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/record"
	"github.com/argus-edge/argus/edge/rules"
)

// Options configure an edge's replays.
type Options struct {
	// Edge is the edge's id, put on reports.
	Edge string
	// Dir is the recorder's folder (record.dir).
	Dir string
	// Analysis paces the replay's analysis and finds its models as the
	// live one's (IdleFPS, ActiveFPS, Quiet, ModelDir); its Hub, Sink and
	// budget are the replay's own.
	Analysis analyze.Options
	// Busy tells whether live cameras need the CPU now, and why; the
	// replay pauses while they do (nil: never). The edge gives its live
	// analysis' Contended.
	Busy func() (bool, string)
	// Report receives the replay's progress and its result.
	Report func(bus.ReplayReport)
	// WarmUp is footage replayed before the range's start, whose anomalies
	// are not counted: the detectors learn the scene as live had (fire's
	// background takes 20 s) and what was ongoing at the start is seen as
	// such, not as new (default DefaultWarmUp; negative: none).
	WarmUp time.Duration
	// Every is how often progress is reported while running (default 1 s).
	Every time.Duration
	// CPU reads the process's CPU time so far (nil: not measured).
	CPU func() time.Duration
	// Log receives the replay's logs.
	Log zerolog.Logger
}

// DefaultWarmUp is the footage replayed before a range's start by
// default: fire's background is learnt over 20 s, motion's faster.
const DefaultWarmUp = 30 * time.Second

// maxStep is the longest step between two frames counted as footage
// replayed: longer is a gap in the recordings.
const maxStep = 5 * time.Second

// pausePoll is how often a paused replay asks whether the CPU is free.
const pausePoll = 100 * time.Millisecond

// run is one replay in progress.
type run struct {
	o     Options
	order bus.ReplayOrder
	log   zerolog.Logger

	total, media time.Duration // recorded media time in range, and done
	wall         time.Duration // running (not paused) wall time
	pausedFor    time.Duration // paused wall time
	cpu0         time.Duration
	lastReport   time.Time
	paused       bool
	missing      []string
}

// Replay runs an order to its end and returns its final report (also sent
// to o.Report): done with the anomalies, failed with why, or cancelled
// when ctx ends.
func Replay(ctx context.Context, o Options, order bus.ReplayOrder) bus.ReplayReport {
	r := &run{o: o, order: order, log: o.Log.With().Str("replay", order.ID).Str("site", order.Site).Logger()}
	if r.o.Every <= 0 {
		r.o.Every = time.Second
	}
	switch {
	case r.o.WarmUp == 0:
		r.o.WarmUp = DefaultWarmUp
	case r.o.WarmUp < 0:
		r.o.WarmUp = 0
	}
	if r.o.CPU != nil {
		r.cpu0 = r.o.CPU()
	}
	as, err := r.play(ctx)
	rep := r.report(bus.ReplayDone, "")
	switch {
	case ctx.Err() != nil:
		rep = r.report(bus.ReplayCancelled, "cancelled")
	case err != nil:
		rep = r.report(bus.ReplayFailed, err.Error())
	default:
		rep.Anomalies = as
		rep.Fraction = 1
	}
	r.log.Info().Str("state", rep.State).Str("message", rep.Message).Int("anomalies", len(rep.Anomalies)).
		Float64("media_s", rep.Media).Float64("rate", rep.Rate).Float64("cpu_rate", rep.CPURate).Msg("replay ended")
	r.send(rep)
	return rep
}

// play replays every camera in turn, each through an analysis of its own
// (no state carries from one camera to the next, as none does live).
func (r *run) play(ctx context.Context) ([]bus.ReplayAnomaly, error) {
	if err := r.order.Validate(); err != nil {
		return nil, fmt.Errorf("replay order: %w", err)
	}
	set, err := Candidate(r.order)
	if err != nil {
		return nil, err
	}
	from, to := r.order.From.Time.Add(-r.o.WarmUp), r.order.To.Time
	segs := map[string][]record.SegmentFile{}
	for _, cam := range r.order.Cameras {
		list, err := record.Segments(r.o.Dir, cam, from, to)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			r.missing = append(r.missing, cam)
		}
		segs[cam] = list
		for _, s := range list {
			r.total += minTime(s.End, to).Sub(maxTime(s.Start, from))
		}
	}
	if len(r.missing) == len(r.order.Cameras) {
		return nil, fmt.Errorf("no recording of %s from %s to %s on this edge", strings.Join(r.missing, ", "),
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if err := r.yield(ctx); err != nil { // live cameras first, before any work
		return nil, err
	}
	r.log.Info().Strs("cameras", r.order.Cameras).Time("from", from).Time("to", to).Int("version", set.Version).
		Dur("media", r.total).Msg("replay started")
	r.send(r.report(bus.ReplayRunning, ""))
	var out []bus.ReplayAnomaly
	for _, cam := range r.order.Cameras {
		as, err := r.camera(ctx, set, cam, segs[cam])
		if err != nil {
			return nil, fmt.Errorf("camera %s: %w", cam, err)
		}
		out = append(out, as...)
	}
	slices.SortFunc(out, func(a, b bus.ReplayAnomaly) int {
		return cmp.Or(a.Start.Compare(b.Start.Time), cmp.Compare(a.Camera, b.Camera), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Candidate parses an order's rule set as the edge parses one from the
// bus, and makes it a live set of the order's site: a shadow version is
// replayed as it would run once promoted.
func Candidate(order bus.ReplayOrder) (*rules.Set, error) {
	set, err := rules.Parse("replay "+order.ID, []byte(order.Rules), detect.Names())
	if err != nil {
		return nil, fmt.Errorf("candidate rules: %w", err)
	}
	if set.Site != order.Site {
		return nil, fmt.Errorf("candidate rules are site %s's, the replay is of site %s", set.Site, order.Site)
	}
	set.Shadow = false
	return set, nil
}

// camera replays one camera's segments and returns what it raised.
func (r *run) camera(ctx context.Context, set *rules.Set, cam string, segs []record.SegmentFile) ([]bus.ReplayAnomaly, error) {
	if len(segs) == 0 {
		return nil, nil
	}
	ao := r.o.Analysis
	ao.Edge, ao.Log = r.o.Edge, r.log.With().Str("camera", cam).Logger()
	ao.Cores = 0 // the replay's own analysis rations nothing: it yields as a whole
	f, err := analyze.NewFootage(ao, set)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	feed, err := f.Camera(analyze.Camera{ID: cam, Site: r.order.Site, Stream: cam})
	if err != nil {
		return nil, err
	}
	from, to := r.order.From.Time.Add(-r.o.WarmUp), r.order.To.Time
	started := false // frames before from are skipped up to the keyframe at or before it
	var pending []*media.Unit
	last := time.Now()
	for _, s := range segs {
		var perr error
		err := record.ReadSegment(s, func(u *media.Unit) bool {
			if !u.NTP.Before(to) {
				return false
			}
			if !started {
				if u.Key {
					pending = pending[:0]
				}
				pending = append(pending, u)
				if u.NTP.Before(from) {
					return true
				}
				started = true
			} else {
				pending = append(pending[:0], u)
			}
			prev, p0 := feed.Last(), r.pausedFor
			for _, p := range pending {
				if perr = r.yield(ctx); perr != nil {
					return false
				}
				if perr = feed.Publish(ctx, p); perr != nil {
					return false
				}
			}
			now := time.Now()
			r.wall += now.Sub(last) - (r.pausedFor - p0) // paused is not replay time
			last = now
			if d := u.NTP.Sub(maxTime(prev, from)); d > 0 && d < maxStep {
				r.media += d // the time since the frame before; a gap is no footage
			}
			r.tick()
			return true
		})
		if err == nil {
			err = perr
		}
		if err != nil {
			return nil, err
		}
		last = time.Now() // a gap between segments is not replay time
	}
	if err := feed.Drain(ctx); err != nil {
		return nil, err
	}
	f.Stop(cam)
	return collect(f.Anomalies(), r.order.From.Time, feed.Last()), nil
}

// yield waits while live cameras need the CPU, reporting the pause once.
func (r *run) yield(ctx context.Context) error {
	busy, why := false, ""
	if r.o.Busy != nil {
		busy, why = r.o.Busy()
	}
	if !busy {
		if r.paused {
			r.paused = false
			r.log.Info().Msg("replay resumed: live cameras left the CPU")
			r.send(r.report(bus.ReplayRunning, ""))
		}
		return ctx.Err()
	}
	msg := bus.ReplayYieldMessage + " (" + why + ")"
	if !r.paused {
		r.log.Info().Str("why", why).Msg("replay " + bus.ReplayYieldMessage)
	}
	r.paused = true
	r.send(r.report(bus.ReplayPaused, msg))
	since := time.Now()
	defer func() { r.pausedFor += time.Since(since) }()
	t := time.NewTicker(pausePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if busy, why = r.o.Busy(); !busy {
			return r.yield(ctx) // reports the resumption
		}
		if time.Since(r.lastReport) >= r.o.Every {
			r.send(r.report(bus.ReplayPaused, bus.ReplayYieldMessage+" ("+why+")"))
		}
	}
}

// tick reports progress at most every o.Every.
func (r *run) tick() {
	if time.Since(r.lastReport) >= r.o.Every {
		r.send(r.report(bus.ReplayRunning, ""))
	}
}

// report is the replay's state now.
func (r *run) report(state, msg string) bus.ReplayReport {
	rep := bus.ReplayReport{ID: r.order.ID, Edge: r.o.Edge, State: state, Message: msg,
		Media: r.media.Seconds(), Total: r.total.Seconds(), Missing: r.missing, Time: bus.At(time.Now())}
	if r.total > 0 {
		rep.Fraction = min(1, r.media.Seconds()/r.total.Seconds())
	}
	if r.wall > 0 {
		rep.Rate = r.media.Seconds() / r.wall.Seconds()
	}
	if r.o.CPU != nil {
		if cpu := r.o.CPU() - r.cpu0; cpu > 0 {
			rep.CPURate = r.media.Seconds() / cpu.Seconds()
		}
	}
	return rep
}

func (r *run) send(rep bus.ReplayReport) {
	r.lastReport = time.Now()
	if r.o.Report != nil {
		r.o.Report(rep)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
