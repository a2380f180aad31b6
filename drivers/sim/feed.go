package sim

import (
	"context"
	"hash/fnv"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
	"github.com/rs/zerolog"
)

// feed is a running camera: one goroutine that loops its scene on a
// ticker, writing shared payloads under per-camera RTP headers.
type feed struct {
	cfg Camera
	srv *Server
	log zerolog.Logger

	// ready closes once the camera serves for the first time or fails;
	// err is set before.
	ready chan struct{}
	err   error
	// done closes when the goroutine has ended and the stream is closed.
	done   chan struct{}
	cancel context.CancelFunc

	readers  atomic.Int32  // sessions playing
	sent     atomic.Int64  // index of the last frame due, since start
	stalled  atomic.Bool   // packets withheld, sessions kept
	corruptF atomic.Uint64 // math.Float64bits of the corrupt fraction

	mu     sync.Mutex
	scene  *Scene
	stream *gortsplib.ServerStream // nil while offline
	media  *description.Media

	// Used by the feed goroutine only.
	pkt     rtp.Packet
	ts0     uint32
	ntp0    time.Time
	broken  *corrupter
	started time.Time
	report  senderReport
}

func newFeed(srv *Server, cfg Camera) *feed {
	h := fnv.New64a()
	h.Write([]byte(cfg.Path))
	seed := h.Sum64()
	f := &feed{
		cfg:    cfg,
		srv:    srv,
		log:    srv.log.With().Str("camera", cfg.Path).Logger(),
		ready:  make(chan struct{}),
		done:   make(chan struct{}),
		broken: newCorrupter(seed),
		// Real cameras start at arbitrary points of the RTP clock.
		ts0: uint32(seed >> 32),
	}
	f.pkt.Header = rtp.Header{Version: 2, PayloadType: payloadType, SequenceNumber: uint16(seed)}
	f.corruptF.Store(math.Float64bits(cfg.Corrupt))
	return f
}

// run prepares the scene, serves it until ctx ends, then closes the stream.
func (f *feed) run(ctx context.Context) {
	defer close(f.done)
	sc, err := f.srv.lib.Scene(ctx, f.cfg.Scene)
	if err != nil {
		f.fail(err)
		return
	}
	f.mu.Lock()
	f.scene = sc
	f.mu.Unlock()
	if _, err := f.swapStream(true); err != nil {
		f.fail(err)
		return
	}
	defer f.swapStream(false) //nolint:errcheck // closing cannot fail
	f.started = time.Now()
	f.ntp0 = f.started.Add(f.cfg.ClockOffset)
	f.log.Info().Str("scene", sc.Spec.String()).Msg("camera serving")
	close(f.ready)
	f.loop(ctx, sc)
}

func (f *feed) fail(err error) {
	f.err = err
	f.log.Error().Err(err).Msg("camera failed")
	close(f.ready)
}

// loop sends frames on time and runs the flap and stall schedules.
func (f *feed) loop(ctx context.Context, sc *Scene) {
	ticker := time.NewTicker(sc.frameInterval())
	defer ticker.Stop()
	var n int64
	f.send(sc, n)
	flap, online := f.newTimer(f.flapOnline()), true
	defer stopTimer(flap)
	stall := f.newTimer(f.cfg.StallAfter)
	defer stopTimer(stall)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			n = f.catchUp(sc, n, now.Sub(f.started))
		case <-timerC(flap):
			online = !online
			f.setOnline(online) //nolint:errcheck // the scene is ready
			next := f.cfg.Flap.Offline
			if online {
				next = f.cfg.Flap.Online
			}
			flap.Reset(next)
		case <-timerC(stall):
			f.log.Info().Msg("camera stalls")
			f.stalled.Store(true)
		}
	}
}

// catchUp sends every frame due by elapsed and returns the next one.
// A feed that fell over a second behind skips ahead instead of bursting.
func (f *feed) catchUp(sc *Scene, n int64, elapsed time.Duration) int64 {
	fps := int64(sc.Spec.FPS)
	due := int64(elapsed+sc.frameInterval()/2) * fps / int64(time.Second)
	if due-n > fps {
		n = due
	}
	for ; n <= due; n++ {
		f.send(sc, n)
	}
	return n
}

// send writes frame n since start to the readers, if any. Only the header
// of the reused packet changes; payloads are the scene's own.
func (f *feed) send(sc *Scene, n int64) {
	f.sent.Store(n)
	if f.readers.Load() == 0 || f.stalled.Load() {
		return
	}
	f.mu.Lock()
	stream, media := f.stream, f.media
	f.mu.Unlock()
	if stream == nil {
		return
	}
	i, offset := sc.frameAt(n)
	fr := &sc.frames[i]
	frac := math.Float64frombits(f.corruptF.Load())
	ntp := f.ntp0.Add(time.Duration(n) * sc.frameInterval())
	f.pkt.Timestamp = f.ts0 + offset
	for j, payload := range fr.payloads {
		f.pkt.Marker = j == len(fr.payloads)-1
		f.pkt.SequenceNumber++
		f.pkt.Payload = payload
		if frac > 0 {
			f.pkt.Payload = f.broken.apply(sc.Spec.Codec, payload, frac)
		}
		if err := stream.WritePacketRTPWithNTP(media, &f.pkt, ntp); err != nil {
			return // the stream closed under us: the camera went offline
		}
		f.report.count(len(f.pkt.Payload))
	}
	f.report.send(stream, media, &f.cfg, f.pkt.SSRC, f.pkt.Timestamp, ntp)
}

// setOnline opens or closes the camera's stream, closing disconnects the
// readers.
func (f *feed) setOnline(on bool) error {
	changed, err := f.swapStream(on)
	if changed {
		f.log.Info().Bool("online", on).Msg("camera " + map[bool]string{true: "online", false: "offline"}[on])
	}
	return err
}

// swapStream opens a new stream or closes the current one. Closing happens
// outside f.mu since gortsplib calls back into the server while sessions
// close.
func (f *feed) swapStream(on bool) (changed bool, err error) {
	f.mu.Lock()
	if on == (f.stream != nil) || f.scene == nil {
		f.mu.Unlock()
		return false, nil
	}
	old := f.stream
	f.stream, f.media = nil, nil
	if on {
		media := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{f.scene.Format(f.cfg.Inband)}}
		st := &gortsplib.ServerStream{Server: f.srv.rtsp, Desc: &description.Session{Medias: []*description.Media{media}}}
		if err := st.Initialize(); err != nil {
			f.mu.Unlock()
			return false, err
		}
		f.stream, f.media = st, media
	}
	f.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return true, nil
}

// currentStream returns the stream to describe, or nil while offline.
func (f *feed) currentStream() *gortsplib.ServerStream {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stream
}

func (f *feed) flapOnline() time.Duration {
	if f.cfg.Flap == nil {
		return 0
	}
	return f.cfg.Flap.Online
}

// newTimer returns a timer firing after d, or nil when d is not positive.
func (f *feed) newTimer(d time.Duration) *time.Timer {
	if d <= 0 {
		return nil
	}
	return time.NewTimer(d)
}

func timerC(t *time.Timer) <-chan time.Time {
	if t == nil {
		return nil // a nil channel never fires
	}
	return t.C
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}
