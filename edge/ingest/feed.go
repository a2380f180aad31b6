package ingest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/backoff"
	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/rtsp"
	"github.com/argus-edge/argus/edge/hub"
)

// feed supervises the pull of one URL of a camera into one hub stream.
type feed struct {
	url    string
	id     string // the camera's
	stream *hub.Stream
	notify func(StateEvent)
	setup  atomic.Pointer[setup]

	counters   rtsp.Counters
	clock      rtsp.Clock
	clockLog   clockWarnings // pull goroutine only
	reconnects atomic.Uint64
	live       atomic.Bool
	lastFrame  atomic.Int64 // unix nanos

	mu     sync.Mutex
	st     FeedStatus
	sample sample

	cancel context.CancelFunc
	done   chan struct{}
}

// sample is the counters at the last rate computation.
type sample struct {
	at            time.Time
	frames, bytes uint64
}

// setup is what a running feed can be handed without restarting its pull:
// the camera's description (site, name, location, in its logs and metric
// labels) and the shared ingest settings, which each attempt reads afresh.
type setup struct {
	cam configs.Camera
	ing configs.Ingest
	log zerolog.Logger
}

func newFeed(url string, su *setup, s *hub.Stream, notify func(StateEvent)) *feed {
	f := &feed{url: url, id: su.cam.ID, stream: s, notify: notify, done: make(chan struct{}),
		clockLog: clockWarnings{every: ClockWarnEvery}}
	f.setup.Store(su)
	f.st = FeedStatus{URL: configs.Redact(url), State: StateConnecting, Since: time.Now()}
	f.sample.at = time.Now()
	return f
}

// start runs the feed until stop.
func (f *feed) start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	f.cancel = cancel
	f.notify(StateEvent{Camera: f.id, Stream: f.stream.Camera(), State: StateConnecting})
	go func() {
		defer close(f.done)
		f.run(ctx)
	}()
}

// stop ends the pull and waits for it.
func (f *feed) stop() {
	f.cancel()
	<-f.done
}

// run pulls until ctx ends. Each attempt reads the feed's setup afresh, so
// settings handed over by a live reload apply from the next attempt.
func (f *feed) run(ctx context.Context) {
	var b backoff.Backoff
	retry := time.NewTimer(0)
	defer retry.Stop()
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			f.reconnects.Add(1)
		}
		f.setState(StateConnecting, "", nil)
		frames := f.counters.Frames.Load()
		err := f.pull(ctx, f.setup.Load())
		f.live.Store(false)
		f.stream.Reset()
		if ctx.Err() != nil {
			return
		}
		if f.counters.Frames.Load() > frames {
			b.Reset() // it worked for a while: start the backoff over
		}
		su := f.setup.Load()
		// bounds handed over by a live reload apply to the next delay
		b.Min, b.Max, b.Jitter = su.ing.Reconnect.Min.D(), su.ing.Reconnect.Max.D(), su.ing.Reconnect.Jitter
		d := b.Next()
		next := time.Now().Add(d)
		f.setState(StateOffline, err.Error(), &next)
		su.log.Warn().Err(err).Str("retry_in", d.Round(time.Millisecond).String()).Uint64("reconnects", f.reconnects.Load()).Msg("camera offline")
		retry.Reset(d)
		select {
		case <-ctx.Done():
			return
		case <-retry.C:
		}
	}
}

// pull makes one attempt.
func (f *feed) pull(ctx context.Context, su *setup) error {
	user, pass, err := su.cam.Credentials()
	if err != nil {
		return err
	}
	err = rtsp.Pull(ctx, rtsp.Options{
		URL: f.url, Transport: su.cam.Transport, Username: user, Password: pass,
		ReadTimeout: su.ing.ReadTimeout.D(), StallTimeout: su.ing.StallTimeout.D(),
		Counters: &f.counters, Clock: &f.clock, OnClock: f.onClock, OnInfo: f.onInfo, OnUnit: f.onUnit,
		OnKeyframe: f.stream.KeyframeComing,
	})
	if err == nil {
		err = errors.New("stream ended")
	}
	return err
}

// onUnit runs on the pull's goroutine once per frame: keep it cheap. The
// camera counts as online from its first keyframe, when a picture can be
// shown and its size is known even if its parameter sets come in-band.
func (f *feed) onUnit(u *media.Unit) {
	f.lastFrame.Store(time.Now().UnixNano())
	if u.Key && !f.live.Load() {
		f.live.Store(true)
		f.setState(StateOnline, "", nil)
		st := f.status()
		f.setup.Load().log.Info().Str("codec", st.Codec).Int("width", st.Width).Int("height", st.Height).
			Str("transport", st.Transport).Msg("camera online")
	}
	f.stream.Publish(u)
}

// onClock logs which clock times the camera's frames. A camera clock off
// by more than rtsp.ClockGuard is worth a warning: its frames fall back to
// arrival time, and its recordings and events are stamped wrong at the
// source. Warnings are at most one per ClockWarnEvery (clockWarnings).
func (f *feed) onClock(source string, offset time.Duration) {
	logged, unlogged := f.clockLog.note(source, time.Now())
	if !logged {
		return
	}
	log := f.setup.Load().log
	if source == rtsp.ClockRTCP {
		log.Info().Dur("clock_offset", offset).Msg("camera clock: frames timed by its sender reports")
		return
	}
	log.Warn().Dur("clock_offset", offset).Str("guard", rtsp.ClockGuard.String()).Str("clear", rtsp.ClockClear.String()).
		Int("changes_not_logged", unlogged).Str("next_warning_after", ClockWarnEvery.String()).
		Msg("camera clock is off: frames timed by their arrival (set up NTP on the camera)")
}

func (f *feed) onInfo(i rtsp.Info) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.Codec, f.st.Width, f.st.Height, f.st.Transport = i.Codec, i.Width, i.Height, i.Transport
}

// setState records a new state. A reconnect attempt keeps the reason of
// the failure before it, so an operator still sees why the camera is not
// online while it is being retried.
func (f *feed) setState(state, reason string, next *time.Time) {
	f.mu.Lock()
	if state == StateConnecting && reason == "" {
		reason = f.st.Reason
	}
	changed := f.st.State != state || f.st.Reason != reason
	if f.st.State != state {
		f.st.Since = time.Now()
	}
	f.st.State, f.st.Reason, f.st.NextRetry = state, reason, next
	f.mu.Unlock()
	if changed {
		f.notify(StateEvent{Camera: f.id, Stream: f.stream.Camera(), State: state, Reason: reason, NextRetry: next})
	}
}

// status returns a copy of the feed's status with fresh counters.
func (f *feed) status() FeedStatus {
	f.mu.Lock()
	st := f.st
	f.mu.Unlock()
	st.Reconnects = f.reconnects.Load()
	st.Clock = f.clock.Source()
	if off, ok := f.clock.Offset(); ok {
		ms := off.Milliseconds()
		st.ClockOffsetMs = &ms
	}
	if ns := f.lastFrame.Load(); ns != 0 {
		t := time.Unix(0, ns).UTC()
		st.LastFrame = &t
	}
	if st.State != StateOnline {
		st.FPS, st.BitrateKbps = 0, 0
	}
	return st
}

// measure updates fps and bitrate from the counters since the last call.
func (f *feed) measure(now time.Time) {
	frames, bytes := f.counters.Frames.Load(), f.counters.Bytes.Load()
	f.mu.Lock()
	defer f.mu.Unlock()
	dt := now.Sub(f.sample.at).Seconds()
	if dt <= 0 {
		return
	}
	f.st.FPS = round1(float64(frames-f.sample.frames) / dt)
	f.st.BitrateKbps = round1(float64(bytes-f.sample.bytes) * 8 / 1000 / dt)
	f.sample = sample{at: now, frames: frames, bytes: bytes}
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
